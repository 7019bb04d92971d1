// Where the library file lives by default (engine process): the per-user data folder of each OS.

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
