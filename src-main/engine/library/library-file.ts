// The library file seen from outside (engine): its schema version read from the header, without opening or migrating it.

import { open } from 'node:fs/promises';

const SQLITE_MAGIC = 'SQLite format 3\0';
/** Offset of PRAGMA user_version (big-endian uint32) in the SQLite file header. */
const USER_VERSION_OFFSET = 60;

/**
 * The schema version of a library file of `size` bytes, read from its header: opening it with Library
 * would migrate it, which a diagnosis must not do. A change still in the WAL shows up here only after the
 * next checkpoint. Null for an empty file (what SQLite leaves before the first write); throws for a file
 * that is not an SQLite database.
 */
export async function readSchemaVersion(file: string, size: number): Promise<number | null> {
  if (size === 0) return null;
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(100);
    const { bytesRead } = await handle.read(header, 0, 100, 0);
    if (bytesRead < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
      throw new Error('not an SQLite database');
    }
    return header.readUInt32BE(USER_VERSION_OFFSET);
  } finally {
    await handle.close();
  }
}
