// The library file seen from outside (engine process): its default place per OS, its schema version from the header.

import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * The default library file for a user. Pure (platform, environment and home are parameters) so the
 * rules of all three systems can be tested on any one of them.
 * - Linux and other Unixes: `$XDG_DATA_HOME/skiptag/library.db`, else `~/.local/share/skiptag/library.db`
 * - Windows: `%APPDATA%\Skiptag\library.db`, else `~\AppData\Roaming\Skiptag\library.db`
 * - macOS: `~/Library/Application Support/Skiptag/library.db`
 */
export function defaultLibraryPath(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string {
  if (platform === 'win32') {
    const appData = env.APPDATA || path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, 'Skiptag', 'library.db');
  }
  if (platform === 'darwin') {
    return path.posix.join(home, 'Library', 'Application Support', 'Skiptag', 'library.db');
  }
  // The XDG spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  const dataHome = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.local', 'share');
  return path.posix.join(dataHome, 'skiptag', 'library.db');
}

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
