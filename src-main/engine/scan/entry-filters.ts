// Name rules of the input walker (engine process): hidden entries and OS/NAS junk inside photo folders.

const DOT = 0x2e;
const UNDERSCORE = 0x5f;

/** Unix convention; also covers macOS .DS_Store and Windows-side dot folders. */
export function isHiddenName(name: Buffer): boolean {
  return name[0] === DOT;
}

/**
 * Folders that never hold the user's photos but often hold thumbnails or deleted copies of them,
 * which would double the work and pollute the results. Compared case-insensitively because FAT/NTFS
 * volumes show them in varying case. Skipped even with includeHidden.
 */
const SYSTEM_FOLDERS: ReadonlySet<string> = new Set([
  '@eadir', // Synology thumbnails
  '#recycle', // Synology recycle bin
  '#snapshot', // Synology snapshots: the same photos again
  '$recycle.bin', // Windows
  'system volume information', // Windows
  'lost+found', // ext* fsck leftovers, root-only
  '.trash', // macOS, XDG
  '.trashes', // macOS removable volumes
  '.spotlight-v100', // macOS
  '.fseventsd', // macOS
]);

export function isSystemFolderName(name: Buffer): boolean {
  const lower = name.toString('latin1').toLowerCase();
  // XDG trash on removable volumes is ".Trash-<uid>".
  return SYSTEM_FOLDERS.has(lower) || lower.startsWith('.trash-');
}

/**
 * macOS AppleDouble "._IMG.jpg" companions carry metadata, never pixels; with includeHidden on they
 * would otherwise each become a corrupt-file error.
 */
export function isSystemFileName(name: Buffer): boolean {
  return name[0] === DOT && name[1] === UNDERSCORE;
}
