// Where a photo's XMP sidecar lives (engine process): darktable/digiKam `photo.jpg.xmp` or Adobe `photo.xmp`.

import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { classifyExtension } from '../scan/name-rules.js';

/** ext: `photo.jpg.xmp` (darktable, digiKam); replace: `photo.xmp` (Lightroom, Bridge). */
export type SidecarNaming = 'ext' | 'replace';

export function sidecarPath(photo: string, naming: SidecarNaming): string {
  if (naming === 'ext') return `${photo}.xmp`;
  const extension = extname(photo);
  return `${extension === '' ? photo : photo.slice(0, -extension.length)}.xmp`;
}

/** Both spellings, for reading: a folder may hold sidecars of either kind. */
export function sidecarCandidates(photo: string): string[] {
  return [...new Set([sidecarPath(photo, 'ext'), sidecarPath(photo, 'replace')])];
}

/**
 * With Adobe naming, `photo.jpg` and `photo.png` would share `photo.xmp`, and each write would mix their
 * keywords. Returns the other photo's path when there is one (null otherwise).
 */
export async function sharedSidecarPartner(photo: string): Promise<string | null> {
  const dir = dirname(photo);
  const own = basename(photo);
  const stem = own.slice(0, own.length - extname(own).length);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const partner = names.find(
    (name) =>
      name !== own &&
      name.slice(0, name.length - extname(name).length) === stem &&
      classifyExtension(name) !== 'other',
  );
  return partner === undefined ? null : join(dir, partner);
}
