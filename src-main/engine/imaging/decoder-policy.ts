// libvips on untrusted photos (engine, worker process): the loaders it may never use, and its failures as per-file errors with readable messages.

import sharp from 'sharp';
import { FileError } from '../../shared/file-errors.js';

/**
 * Loaders that must never see user files: vector/document renderers (librsvg, PDF) have a large attack surface
 * and nothing to do with photos. The sniffer already refuses SVG; this is the second lock. Blocking is global
 * to the process, which is right for the engine: it never loads these formats for any purpose.
 */
const BLOCKED_LOADERS = [
  'VipsForeignLoadSvg',
  'VipsForeignLoadPdf',
  'VipsForeignLoadMagick',
  'VipsForeignLoadOpenslide',
];

let applied = false;

/**
 * libvips threads per image. Photos decode side by side, one per libuv thread (UV_THREADPOOL_SIZE, one
 * per core: threadpool.ts), and libvips would give each of them a thread per core as well: cores² threads
 * fighting for cores (256 on 16 cores), which is what kept decoding from scaling. One thread per image
 * and one image per core keeps every core busy with no oversubscription.
 */
export const VIPS_THREADS_PER_IMAGE = 1;

export function applyDecoderPolicy(): void {
  if (applied) return;
  sharp.block({ operation: BLOCKED_LOADERS });
  sharp.concurrency(VIPS_THREADS_PER_IMAGE);
  applied = true;
}

/** Megapixels as people say them: 900 MP, 12.3 MP. */
export function formatMegapixels(pixels: number): string {
  const mp = pixels / 1_000_000;
  return `${mp >= 100 || Number.isInteger(mp) ? Math.round(mp) : mp.toFixed(1)} MP`;
}

export function pixelLimitError(width: number, height: number, maxPixels: number): FileError {
  return new FileError(
    'too_large',
    `image is ${width}×${height} = ${formatMegapixels(width * height)}, over the ${formatMegapixels(maxPixels)} limit`,
  );
}

/**
 * Content that is no known image format is reported as 'corrupt' ("not an image file"), not as
 * 'unsupported_format': that code is kept for real image formats we refuse (HEIC, RAW, SVG) so the user knows
 * a conversion helps, whereas a text file renamed .jpg needs no conversion but a look.
 */
export function decodeError(error: unknown, maxPixels: number): FileError {
  if (error instanceof FileError) {
    return error;
  }
  const raw = error instanceof Error ? error.message : String(error);
  // libvips repeats warnings and prefixes every line with the loader; the first line carries the reason.
  const reason = (raw.split('\n').find((line) => line.trim() !== '') ?? raw).trim().slice(0, 200);
  if (/unsupported image format|is not a known|not in a known format/i.test(reason)) {
    return new FileError('corrupt', 'not an image file (content is not a known image format)', {
      cause: error,
    });
  }
  if (/exceeds pixel limit/i.test(reason)) {
    return new FileError('too_large', `image is over the ${formatMegapixels(maxPixels)} limit`, {
      cause: error,
    });
  }
  if (
    /premature end|truncated|unexpected end|end of (file|stream|data)|read error|not enough data/i.test(
      reason,
    )
  ) {
    return new FileError('corrupt', `truncated or damaged image data (${reason})`, { cause: error });
  }
  return new FileError('corrupt', `could not decode image (${reason})`, { cause: error });
}
