// What went wrong with the library file, for people (engine process): SQLite's result codes and file-system errors in plain words.

import { statfsSync } from 'node:fs';
import path from 'node:path';

/** SQLite's primary result codes that a user can do something about. */
const SQLITE = { busy: 5, readonly: 8, ioerr: 10, corrupt: 11, full: 13, cantopen: 14, notadb: 26 } as const;

/**
 * SQLite's primary result code of a libsql error, or null. libsql reports it three ways: `rawCode`
 * (extended code: the primary is its low byte), a `SQLITE_*` code name, or — when the connection cannot
 * be made at all — `ConnectionFailed("…: 14")` with an empty code.
 */
export function sqliteResultCode(error: unknown): number | null {
  if (!(error instanceof Error)) return null;
  const raw = (error as { rawCode?: unknown }).rawCode;
  if (typeof raw === 'number') return raw & 0xff;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    const name = /^SQLITE_([A-Z]+)/.exec(code)?.[1]?.toLowerCase();
    if (name !== undefined && name in SQLITE) return SQLITE[name as keyof typeof SQLITE];
    const unknown = /^UNKNOWN_SQLITE_ERROR_(\d+)$/.exec(code)?.[1];
    if (unknown !== undefined) return Number(unknown) & 0xff;
  }
  const connection = /^ConnectionFailed\(.*: (\d+)"?\)$/s.exec(error.message)?.[1];
  return connection === undefined ? null : Number(connection) & 0xff;
}

/** True for the failures of a library that can be read but not written (read-only disk or folder). */
export function isReadOnlyStorage(error: unknown): boolean {
  const code = sqliteResultCode(error);
  if (code === SQLITE.readonly || code === SQLITE.cantopen) return true;
  const errno = (error as { code?: unknown } | null)?.code;
  return errno === 'EROFS' || errno === 'EACCES' || errno === 'EPERM';
}

/**
 * A sentence for people about a library failure, or null when the error is not one of the known kinds
 * (then the caller shows its own message). Never the raw `ConnectionFailed(…: 14)`.
 */
export function explainLibraryError(error: unknown, file: string): string | null {
  const errno = (error as { code?: unknown } | null)?.code;
  switch (sqliteResultCode(error)) {
    case SQLITE.cantopen:
      return `cannot open the library ${file}: its folder is missing, not writable, or on a read-only disk`;
    case SQLITE.readonly:
      return `the library ${file} is read-only (a read-only disk, or no permission to write there); "skiptag export" and "skiptag status" still read it`;
    case SQLITE.full:
      return diskFull(file);
    case SQLITE.ioerr:
      // A full disk often surfaces as an I/O error of the WAL or its index rather than SQLITE_FULL.
      return isNearlyFull(file)
        ? diskFull(file)
        : `an input/output error on the library ${file}: the disk may be failing or was removed`;
    case SQLITE.corrupt:
    case SQLITE.notadb:
      return `${file} is not a Skiptag library, or it is damaged`;
    case SQLITE.busy:
      return `the library ${file} is busy: another program holds its write lock`;
  }
  if (errno === 'EROFS') return `the library ${file} is on a read-only disk`;
  if (errno === 'EACCES' || errno === 'EPERM') return `no permission to use the library ${file}`;
  if (errno === 'ENOSPC') return diskFull(file);
  return null;
}

function diskFull(file: string): string {
  return `the disk holding the library ${file} is full: free some space and run again (finished results are kept)`;
}

/** Under 1 MiB free where the library lies: too little for SQLite to write its next pages. */
function isNearlyFull(file: string): boolean {
  try {
    const stats = statfsSync(path.dirname(file));
    return stats.bavail * stats.bsize < 1024 * 1024;
  } catch {
    return false;
  }
}
