// What the decoder gets for one photo (worker process): the bytes as read, the decoded pixels of a HEIC (as a TIFF), or the upright preview JPEG of a camera RAW.

import { decodeHeif } from './heif-decode.js';
import { extractRawPreview } from './raw-preview.js';
import { assertDecodable, sniffCameraFormat } from './sniff-format.js';

/** How much of the image the caller needs, so that a HEIC's thumbnail item can stand in for it. */
export type DecodeNeed =
  /** Classification: the shorter side is resized to this. */
  | { shortSide: number }
  /** A rendition that fits in a square of this size. */
  | { longSide: number }
  | 'full';

export interface DecodableSource {
  /** What libvips decodes: JPEG, PNG, … as read; an uncompressed TIFF for HEIC; the preview JPEG for RAW. */
  bytes: Buffer;
  /** The format to report when it is not what libvips sees: 'heic', or the RAW kind ('cr2', 'dng', …). */
  format: string | null;
  /** Size to report (upright) when `bytes` may be smaller than the photo (a HEIC's thumbnail item). */
  width: number | null;
  height: number | null;
}

/**
 * Refuses what must not be decoded (SVG, non-images: FileError unsupported_format/corrupt), turns HEIC and
 * camera RAW into something libvips decodes (FileError heif_corrupt, raw_no_preview, too_large), and passes
 * everything else through untouched. Colour and orientation stay for the caller's pipeline: the TIFF
 * carries the HEIC's ICC profile (libheif has already applied its rotation), and the RAW preview carries
 * the RAW's EXIF orientation.
 */
export async function decodableSource(
  bytes: Buffer,
  file: Buffer | string,
  need: DecodeNeed,
  maxPixels: number,
): Promise<DecodableSource> {
  assertDecodable(bytes, file);
  const camera = sniffCameraFormat(bytes, file);
  if (camera === null) return { bytes, format: null, width: null, height: null };
  if (camera.kind === 'heif') {
    const decoded = await decodeHeif(bytes, {
      maxPixels,
      ...(need === 'full' ? {} : { thumbnailSuffices: sufficientFor(need) }),
    });
    return { bytes: decoded.tiff, format: 'heic', width: decoded.width, height: decoded.height };
  }
  const preview = await extractRawPreview(file, bytes);
  return { bytes: preview.jpeg, format: camera.raw, width: preview.width, height: preview.height };
}

function sufficientFor(need: { shortSide: number } | { longSide: number }) {
  return 'shortSide' in need
    ? (width: number, height: number) => Math.min(width, height) >= need.shortSide
    : (width: number, height: number) => Math.max(width, height) >= need.longSide;
}
