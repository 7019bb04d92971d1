// Name rules of photo folders (engine process): which extensions are photos, which entries are hidden or OS/NAS junk; walker and watcher alike.

// Not from pairs.ts, which brings the SQLite driver into every process that walks a folder.
import { RAW_PHOTO_EXTENSIONS } from '../library/raw-extensions.js';

/**
 * Extensions Skiptag decodes: what the bundled sharp/libvips reads, HEIC/HEIF (libheif in WebAssembly) and
 * camera RAW (through the embedded JPEG preview). BMP is deliberately absent: libvips has no BMP loader.
 */
// prettier-ignore
export const PHOTO_EXTENSIONS: ReadonlySet<string> = new Set([
  'jpg', 'jpeg', 'jpe', 'jfif', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif',
  // HEIF family (iPhone photos).
  'heic', 'heif', 'hif',
  ...RAW_PHOTO_EXTENSIONS,
]);

/**
 * Real image formats Skiptag cannot decode. A folder walk still yields them so each one gets a clear
 * unsupported_format error instead of vanishing silently from the user's count.
 * SVG is listed although libvips can rasterise it: vector drawings are not photos, and rendering them
 * would pull untrusted XML through librsvg.
 */
export const UNSUPPORTED_PHOTO_EXTENSIONS: ReadonlySet<string> = new Set([
  // Raster formats without a loader in the bundled libvips.
  'bmp',
  'jxl',
  'jp2',
  // Vector.
  'svg',
  'svgz',
]);

export type ExtensionClass = 'photo' | 'unsupported' | 'other';

const DOT = 0x2e;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;

/**
 * Classifies a file name (Buffer or string; a path works too) by its extension, case-insensitively.
 * Like path.extname, a leading dot does not start an extension, so ".jpg" is a hidden file without one.
 */
export function classifyExtension(name: Buffer | string): ExtensionClass {
  const extension = extensionOf(typeof name === 'string' ? Buffer.from(name, 'utf8') : name);
  if (extension === null) return 'other';
  if (PHOTO_EXTENSIONS.has(extension)) return 'photo';
  if (UNSUPPORTED_PHOTO_EXTENSIONS.has(extension)) return 'unsupported';
  return 'other';
}

/** Lower-cased extension without the dot, or null. Works on bytes so non-UTF-8 names classify too. */
function extensionOf(name: Buffer): string | null {
  let start = 0;
  for (let i = name.length - 1; i >= 0; i--) {
    const byte = name[i];
    if (byte === SLASH || byte === BACKSLASH) {
      start = i + 1;
      break;
    }
  }
  const dot = name.lastIndexOf(DOT);
  if (dot <= start || dot === name.length - 1) return null;
  // latin1 maps each byte to one code unit, so non-ASCII bytes can never match an ASCII set entry.
  return name
    .subarray(dot + 1)
    .toString('latin1')
    .toLowerCase();
}

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
