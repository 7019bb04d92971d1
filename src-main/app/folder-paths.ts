// Checks folder paths before they reach the engine (Electron main): absolute, existing directories, real paths.

import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

export class FolderPathError extends Error {
  override name = 'FolderPathError';
}

/**
 * Resolves each path to its real path (symbolic links followed) and keeps one of each. Fails, naming the
 * path, if one is relative, missing or not a directory: a drop of a single photo should say so, not vanish.
 */
export async function resolveFolderPaths(paths: readonly string[]): Promise<string[]> {
  const resolved = new Set<string>();
  for (const candidate of paths) {
    if (!path.isAbsolute(candidate)) throw new FolderPathError(`not an absolute path: ${candidate}`);
    let real: string;
    try {
      real = await realpath(candidate);
    } catch {
      throw new FolderPathError(`folder not found: ${candidate}`);
    }
    if (!(await stat(real)).isDirectory()) throw new FolderPathError(`not a folder: ${candidate}`);
    resolved.add(real);
  }
  return [...resolved];
}
