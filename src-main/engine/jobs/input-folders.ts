// Which library folder an input belongs to (engine): folders are recorded, files join their innermost folder.

import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Library } from '../library/library.js';

/**
 * The library folder for an input: a folder input is recorded (created on first use); a file belongs to
 * the innermost library folder that contains it (how files reported by the watcher find their folder),
 * or to none.
 */
export async function folderFor(
  library: Library,
  absolute: string,
  watch: boolean,
): Promise<{ folderId: number | null; isFolder: boolean }> {
  const info = await stat(absolute).catch(() => null);
  const bytes = Buffer.from(absolute);
  const folders = library.listFolders();
  if (info?.isDirectory()) {
    const existing = folders.find((f) => f.path.equals(bytes));
    return {
      folderId: library.upsertFolder(bytes, absolute, watch || (existing?.watched ?? false)).id,
      isFolder: true,
    };
  }
  const containing = folders
    .filter(
      (f) =>
        bytes.length > f.path.length &&
        bytes.subarray(0, f.path.length).equals(f.path) &&
        bytes[f.path.length] === path.sep.charCodeAt(0),
    )
    .sort((a, b) => b.path.length - a.path.length)[0];
  return { folderId: containing?.id ?? null, isFolder: false };
}
