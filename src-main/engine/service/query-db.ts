// The app service's own connection to the library file (engine): the SQL of the app's grid, counts and undo.

import { SqlDb } from '../library/sql-db.js';

/**
 * Library keeps its SqlDb private, so the service opens a second connection to the same file (after
 * Library.open has migrated it). That is safe here: WAL lets connections read while one writes, and every
 * write on either connection is a synchronous transaction, so neither holds a lock across an await and
 * the busy timeout never has to wait on its own process. Should Library expose its connection, this
 * becomes `return library.sql`.
 */
export function openQueryDb(libraryFile: string): SqlDb {
  return SqlDb.open(libraryFile);
}
