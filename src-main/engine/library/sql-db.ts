// Thin synchronous SQLite layer over libsql (engine process): cached statements, checked parameters, nested transactions.

import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'libsql';

export type SqlValue = string | number | bigint | Buffer | null;
export type SqlParams = Readonly<Record<string, SqlValue>>;

interface Prepared {
  statement: Database.Statement;
  /** Named parameters (":name") the SQL uses, without the prefix. */
  names: readonly string[];
}

/** How long a second connection (an export while `watch` runs) waits for the write lock before failing. */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * Every statement goes through here because libsql's binding has sharp edges:
 * - a single Buffer argument is taken for a named-parameter object and crashes the process, so
 *   parameters are always passed as one object;
 * - a named parameter missing from that object silently binds NULL, so names are checked against the SQL;
 * - BLOBs come back as ArrayBuffer from all()/iterate() (Buffer from get()): see asBuffer;
 * - rows from get() carry an extra `_metadata` key: callers map rows field by field.
 */
export class SqlDb {
  private readonly statements = new Map<string, Prepared>();
  private depth = 0;
  private onEnd: ((committed: boolean) => void) | null = null;

  constructor(private readonly db: Database.Database) {}

  /** Opens (creating folders and file as needed) with the pragmas the library relies on. */
  static open(file: string): SqlDb {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sql = new SqlDb(new Database(file));
    try {
      // First, so the pragmas below wait for a lock held by another process instead of failing.
      sql.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      // WAL: readers never block the writer and vice versa (export or status while a scan commits).
      // A file system without shared memory (some network mounts) keeps the old mode; it still works,
      // with readers and writers taking turns.
      sql.pragma('journal_mode = WAL');
      // NORMAL instead of FULL: in WAL mode NORMAL never corrupts the database and every committed
      // transaction survives a process crash or kill -9; only a power cut or an OS crash can roll back
      // the last few commits, and the next scan simply redoes that work. FULL would fsync on every
      // commit and slow the per-batch commits for no gain against the failure we actually guard against.
      sql.pragma('synchronous = NORMAL');
      // Off by default in SQLite, per connection: cascades (folder → images → tags) depend on it.
      sql.pragma('foreign_keys = ON');
    } catch (error) {
      sql.close();
      throw error;
    }
    return sql;
  }

  /**
   * Opens an existing file for reading only, where it cannot be written (a read-only disk or folder):
   * SQLite's read-only mode first, which still sees other processes' commits; where even that fails
   * because the WAL index (-shm) cannot be created next to the file, as immutable, which is only exact
   * while no -wal file holds commits the main file lacks (otherwise the first error is rethrown).
   */
  static openReadOnly(file: string): SqlDb {
    if (!existsSync(file)) {
      throw Object.assign(new Error(`no library at ${file}`), { code: 'ENOENT' });
    }
    let first: unknown;
    try {
      const sql = new SqlDb(new Database(file, { readonly: true }));
      sql.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      sql.pragma('user_version');
      return sql;
    } catch (error) {
      first = error;
    }
    const wal = `${file}-wal`;
    if (existsSync(wal) && statSync(wal).size > 0) throw first;
    const sql = new SqlDb(
      new Database(`${pathToFileURL(path.resolve(file)).href}?immutable=1`, { readonly: true }),
    );
    sql.pragma('user_version');
    return sql;
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /** Whether a transaction() is running: writes made now become visible to others only when it commits. */
  get inTransaction(): boolean {
    return this.depth > 0;
  }

  /**
   * Calls `listener` once the outermost transaction has ended (committed, or rolled back), after the
   * transaction state is cleared, so the listener may read and write again. One listener per connection.
   */
  onTransactionEnd(listener: (committed: boolean) => void): void {
    this.onEnd = listener;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Runs a write statement; returns the number of rows it changed. Outside a transaction it gets its own
   * (BEGIN IMMEDIATE), so every write waits for the lock the same, reliable way: see transaction().
   */
  run(sql: string, params: SqlParams = {}): number {
    if (this.depth === 0) return this.transaction(() => this.run(sql, params));
    const { statement, names } = this.prepare(sql, params);
    return statement.run(bindable(names, params)).changes;
  }

  /** A write with a RETURNING clause: its first returned row. */
  returning<T>(sql: string, params: SqlParams = {}): T {
    if (this.depth === 0) return this.transaction(() => this.returning<T>(sql, params));
    const row = this.get<T>(sql, params);
    if (row === undefined) throw new Error(`no row returned by: ${sql}`);
    return row;
  }

  get<T>(sql: string, params: SqlParams = {}): T | undefined {
    const { statement, names } = this.prepare(sql, params);
    return (statement.get(bindable(names, params)) ?? undefined) as T | undefined;
  }

  /** Every row at once: only for queries whose size is bounded (a page, one image's rows). */
  all<T>(sql: string, params: SqlParams = {}): T[] {
    const { statement, names } = this.prepare(sql, params);
    return statement.all(bindable(names, params)) as T[];
  }

  /** Statements without parameters or results (schema changes). */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  /** A pragma's rows, e.g. pragmaRows('integrity_check'). */
  pragmaRows(source: string): Record<string, unknown>[] {
    return this.db.pragma(source) as Record<string, unknown>[];
  }

  /** The first value a pragma returns (its setting after an assignment, for most pragmas). */
  pragma(source: string): unknown {
    const row = this.pragmaRows(source)[0];
    return row === undefined ? undefined : Object.values(row)[0];
  }

  /**
   * Runs fn in a transaction and returns its result; rolls back and rethrows if it throws. Nests: an
   * inner call becomes a savepoint, so repository methods are atomic on their own and also join a
   * caller's batch. The outer level is BEGIN IMMEDIATE: it takes the write lock up front, where the busy
   * timeout applies; a deferred transaction that reads first and then needs the lock fails at once with
   * SQLITE_BUSY when another process is writing (SQLite cannot wait there without risking a deadlock).
   */
  transaction<T>(fn: () => T): T {
    const savepoint = this.depth === 0 ? null : `sp${this.depth}`;
    this.db.exec(savepoint === null ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${savepoint}`);
    this.depth += 1;
    let committed = false;
    try {
      const result = fn();
      if (isThenable(result)) {
        throw new TypeError('Library transactions are synchronous: the callback returned a promise');
      }
      this.db.exec(savepoint === null ? 'COMMIT' : `RELEASE ${savepoint}`);
      committed = true;
      return result;
    } catch (error) {
      // Some errors (disk full, I/O) already rolled the transaction back; a second rollback would mask them.
      if (this.db.inTransaction) {
        if (savepoint === null) this.db.exec('ROLLBACK');
        else {
          this.db.exec(`ROLLBACK TO ${savepoint}`);
          this.db.exec(`RELEASE ${savepoint}`);
        }
      }
      throw error;
    } finally {
      this.depth -= 1;
      if (savepoint === null) this.onEnd?.(committed);
    }
  }

  private prepare(sql: string, params: SqlParams): Prepared {
    let prepared = this.statements.get(sql);
    if (prepared === undefined) {
      prepared = { statement: this.db.prepare(sql), names: parameterNames(sql) };
      this.statements.set(sql, prepared);
    }
    checkParams(sql, prepared.names, params);
    return prepared;
  }
}

/** A BLOB column's value as a Buffer, whichever shape libsql returned it in. */
export function asBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`expected a BLOB, got ${typeof value}`);
}

/** Binds an id list as one parameter, for `IN (SELECT value FROM json_each(:ids))`. */
export function jsonList(values: readonly (number | string)[]): string {
  return JSON.stringify(values);
}

function bindable(names: readonly string[], params: SqlParams): SqlParams | [] {
  // An empty object would be taken as a named binding of a statement that has none.
  return names.length === 0 ? [] : params;
}

function parameterNames(sql: string): string[] {
  // String literals and comments may contain ":word" that is not a parameter.
  const code = sql.replace(/'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g, ' ');
  if (/\?/.test(code)) throw new Error(`use named parameters only: ${sql}`);
  return [...new Set([...code.matchAll(/[:@$]([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string))];
}

function checkParams(sql: string, names: readonly string[], params: SqlParams): void {
  for (const name of names) {
    if (params[name] === undefined) throw new Error(`missing SQL parameter :${name} in: ${sql}`);
  }
  if (Object.keys(params).length !== names.length) {
    const extra = Object.keys(params).filter((key) => !names.includes(key));
    throw new Error(`unknown SQL parameter(s) ${extra.join(', ')} in: ${sql}`);
  }
}

function isThenable(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}
