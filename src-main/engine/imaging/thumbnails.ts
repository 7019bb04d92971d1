// Renditions and pixel checks of photos (worker process): JPEG thumbnails and previews, and hashes of decoded pixels.

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import sharp from 'sharp';
import { FileError } from '../../shared/file-errors.js';
import { withDecodableSource } from './camera-source.js';
import { applyDecoderPolicy, decodeError } from './decoder-policy.js';
import { decodeHeif } from './heif-decode.js';
import { DEFAULT_MAX_PIXELS } from './preprocess-spec.js';
import { DEFAULT_MAX_FILE_BYTES, readPhoto } from './read-photo.js';
import { sniffCameraFormat } from './sniff-format.js';

/** Longest side of a grid thumbnail and of a detail preview, in pixels. */
export const THUMBNAIL_SIZE = 256;
/** Enough for the default grid cell (168 × 150 px of picture) on a 1× screen; half the decoded bytes. */
export const SMALL_THUMBNAIL_SIZE = 176;
export const PREVIEW_SIZE = 1024;
/** The viewer's 100% zoom: the photo as it is, unless its longer side is beyond this. */
export const FULL_SIZE = 8192;

export interface RenderLimits {
  /** Refuse larger images (decompression bombs), as classification does. */
  maxPixels?: number;
  maxFileBytes?: number;
}

/**
 * A JPEG of the photo at `file` that fits in size × size. The file is read once and sniffed first, exactly
 * as for classification: SVG is refused before any decoder sees it, a HEIC is decoded by libheif (from its
 * thumbnail item when that is big enough), a RAW file shows its embedded preview. Throws FileError.
 */
export async function renderPhoto(file: Buffer, size: number, limits: RenderLimits = {}): Promise<Buffer> {
  const { bytes } = await readPhoto(file, limits.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
  return withDecodableSource(bytes, file, { longSide: size }, maxPixels, (source) =>
    renderThumbnail(source.bytes, size, limits),
  );
}

/** Decodes `bytes` and encodes a JPEG (quality 80) that fits in size × size, upright and in sRGB. */
export async function renderThumbnail(
  bytes: Buffer,
  size: number,
  limits: RenderLimits = {},
): Promise<Buffer> {
  applyDecoderPolicy();
  const maxPixels = limits.maxPixels ?? DEFAULT_MAX_PIXELS;
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

/**
 * SHA-256 of the decoded pixels (every page or frame, as stored: no rotation, no colour conversion) with
 * their geometry. Two files with the same hash show the same image, whatever their metadata. Pages are
 * decoded one at a time, each within `maxPixels`, so a many-page TIFF never sits in memory whole.
 */
export async function pixelHash(file: string, maxPixels: number = DEFAULT_MAX_PIXELS): Promise<string> {
  applyDecoderPolicy();
  const camera = sniffCameraFormat(await fileHead(file), file);
  if (camera?.kind === 'raw') {
    // Keywords are never embedded into RAW files, so nothing ever needs to compare their pixels.
    throw new FileError('unsupported_format', 'camera RAW pixels are not compared');
  }
  if (camera?.kind === 'heif') {
    // The primary image as libheif decodes it (rotation applied): the same for any rewrite of the metadata.
    const { bytes } = await readPhoto(file, DEFAULT_MAX_FILE_BYTES);
    const { tiff, width, height } = await decodeHeif(bytes, { maxPixels });
    return createHash('sha256').update(`heif:${width}x${height}:`).update(tiff).digest('hex');
  }
  try {
    const { pages = 1, depth } = await sharp(file, { limitInputPixels: maxPixels }).metadata();
    const hash = createHash('sha256').update(`pages:${pages}:`);
    for (let page = 0; page < pages; page++) {
      // The stored depth, so a 16-bit TIFF is compared on all its bits without doubling every 8-bit photo.
      const { data, info } = await sharp(file, { page, pages: 1, limitInputPixels: maxPixels })
        .raw({ depth })
        .toBuffer({ resolveWithObject: true });
      hash.update(`${info.width}x${info.height}x${info.channels}:`).update(data);
    }
    return hash.digest('hex');
  } catch (error) {
    if (error instanceof FileError) throw error;
    throw decodeError(error, maxPixels);
  }
}

/** The first bytes of a file, enough to tell its format. */
async function fileHead(file: string): Promise<Buffer> {
  const handle = await open(file, 'r').catch((error: unknown) => {
    throw new FileError('unreadable', `cannot open for a pixel check (${(error as Error).message})`);
  });
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
