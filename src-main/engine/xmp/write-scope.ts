// Where keyword reads and writes may go (engine process): a sidecar only as a regular file, and never a file outside the folders the user gave.

import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { ImageRow } from '../library/library-types.js';
import type { Library } from '../library/library.js';

/** What a sidecar path holds: nothing yet, a regular file, or something Skiptag must neither read nor write. */
export type SidecarState =
  { kind: 'absent' } | { kind: 'file'; mode: number } | { kind: 'refused'; reason: string };

/**
 * Looks at the sidecar path itself (lstat): a symbolic link is refused whatever it points to, because a link
 * planted as `photo.jpg.xmp` would otherwise have Skiptag rewrite its target (another photo, a file in
 * another folder) and import that file's keywords as the photo's own.
 */
export async function sidecarState(file: string): Promise<SidecarState> {
  let info;
  try {
    info = await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw error;
  }
  if (info.isSymbolicLink()) {
    return { kind: 'refused', reason: `${file} is a symbolic link, not a regular file: skipped` };
  }
  if (!info.isFile()) return { kind: 'refused', reason: `${file} is not a regular file: skipped` };
  return { kind: 'file', mode: info.mode };
}

/**
 * The folders a batch of keyword writes may change files in: the library's folders by their real path
 * (links resolved), and, for a photo tagged on its own (in no library folder), the real folder it is in.
 * Photos are found by walks that follow links, so a photo's own path may lead elsewhere (a planted link to
 * a file, or to a folder, outside them): such a target is never rewritten.
 */
export class WriteScope {
  private constructor(private readonly roots: readonly string[]) {}

  /** Resolves the library's folders once per batch; a folder that is gone now covers nothing. */
  static async of(library: Library): Promise<WriteScope> {
    const roots = await Promise.all(
      library.listFolders().map((folder) => realpath(folder.display).catch(() => null)),
    );
    return new WriteScope(roots.filter((root): root is string => root !== null));
  }

  /** Whether `realTarget` (a real path: links resolved) may be written for `image`. */
  async allows(image: ImageRow, realTarget: string): Promise<boolean> {
    if (this.roots.some((root) => isInside(realTarget, root))) return true;
    if (image.folderId !== null) return false;
    const own = await realpath(path.dirname(image.display)).catch(() => null);
    return own !== null && isInside(realTarget, own);
  }
}

function isInside(target: string, root: string): boolean {
  const relative = path.relative(root, target);
  return (
    relative !== '' &&
    relative !== '..' &&
    !relative.startsWith(`..${path.sep}`) &&
    !path.isAbsolute(relative)
  );
}
