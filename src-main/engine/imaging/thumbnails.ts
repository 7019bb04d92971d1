// Thumbnails and previews of photos (engine process): JPEG renditions made with sharp, cached on disk by key.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { decodeError } from './decode-errors.js';
import { applyDecoderPolicy } from './decoder-policy.js';
import { DEFAULT_MAX_PIXELS } from './preprocess-spec.js';
import { DEFAULT_MAX_FILE_BYTES, readPhoto } from './read-photo.js';
import { assertDecodable } from './sniff-format.js';

/** Longest side of a grid thumbnail and of a detail preview, in pixels. */
export const THUMBNAIL_SIZE = 256;
export const PREVIEW_SIZE = 1024;
export const THUMBNAIL_CONTENT_TYPE = 'image/jpeg';

export interface ThumbnailOptions {
  /** Refuse larger images (decompression bombs), as classification does. */
  maxPixels?: number;
  maxFileBytes?: number;
}

/** Cache keys become file names: a closed alphabet keeps them from naming anything outside the cache. */
const KEY_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

export function isValidThumbnailKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/**
 * A JPEG of the photo that fits in size × size, from the cache `<cacheDir>/<key>.jpg` or made now and
 * cached. The key must change when the file does (callers build it from the image id, mtime and size), so
 * a cached file is never stale and needs no validation. Throws FileError when the photo cannot be read
 * or decoded.
 */
export async function thumbnailFor(
  imagePath: Buffer,
  cacheDir: string,
  key: string,
  size: number = THUMBNAIL_SIZE,
  options: ThumbnailOptions = {},
): Promise<Buffer> {
  if (!isValidThumbnailKey(key)) throw new Error(`invalid thumbnail cache key ${JSON.stringify(key)}`);
  const file = path.join(cacheDir, `${key}.jpg`);
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { bytes } = await readPhoto(imagePath, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  // HEIC, RAW and SVG are refused before any decoder sees them, exactly as for classification.
  assertDecodable(bytes, imagePath);
  const jpeg = await renderThumbnail(bytes, size, options);
  await writeCacheFile(cacheDir, file, jpeg);
  return jpeg;
}

/** Decodes `bytes` and encodes a JPEG (quality 80) that fits in size × size, upright and in sRGB. */
export async function renderThumbnail(
  bytes: Buffer,
  size: number,
  options: ThumbnailOptions = {},
): Promise<Buffer> {
  applyDecoderPolicy();
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  try {
    // failOn 'none': a slightly damaged photo still gets a picture (classification is the strict judge).
    // JPEG shrink-on-load applies because the resize target is known before decoding.
    return await sharp(bytes, { failOn: 'none', pages: 1, limitInputPixels: maxPixels, autoOrient: true })
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      // JPEG has no alpha: transparent areas would otherwise turn black.
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .jpeg({ quality: 80 })
      .toBuffer();
  } catch (error) {
    throw decodeError(error, maxPixels);
  }
}

/** Temp file + rename: a reader never sees half a JPEG, and two writers of one key cannot mix bytes. */
async function writeCacheFile(cacheDir: string, file: string, jpeg: Buffer): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, jpeg);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    // The cache is an optimisation: a full disk or read-only data folder must not hide the photo.
    if (!isCacheWriteFailure(error)) throw error;
  }
}

function isCacheWriteFailure(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EROFS' || code === 'EACCES' || code === 'EPERM' || code === 'EDQUOT';
}
