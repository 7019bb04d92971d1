// Checks dropped or picked paths before they reach the engine (Electron main): absolute, existing folders or files, real paths.

import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../shared/errors.js';

/** A dropped or picked path that cannot be added: the page sees code bad_request. */
export class FolderPathError extends AppError {
  constructor(message: string) {
    super('bad_request', message);
    this.name = 'FolderPathError';
  }
}

/**
 * Resolves each path to its real path (symbolic links followed) and keeps one of each. Folders are added
 * and watched, single files (a dropped photo) are tagged where they are. Fails, naming the path, if one is
 * relative, missing, or neither a folder nor a regular file.
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
    const info = await stat(real);
    if (!info.isDirectory() && !info.isFile())
      throw new FolderPathError(`not a folder or a file: ${candidate}`);
    resolved.add(real);
  }
  return [...resolved];
}
