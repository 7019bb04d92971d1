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
  /**
   * When it was taken, where `bytes` lost the file's EXIF (the RAW's preview, a HEIC's pixels): null when
   * the file does not say, undefined when `bytes` still carry their own EXIF.
   */
  takenAt?: string | null;
}

/**
 * Refuses what must not be decoded (SVG, non-images: FileError unsupported_format/corrupt), turns HEIC and
 * camera RAW into something libvips decodes (FileError heif_corrupt, raw_no_preview, too_large), passes
 * everything else through untouched, and hands the result to `use`. Colour and orientation stay for the
 * caller's pipeline: the TIFF carries the HEIC's ICC profile (libheif has already applied its rotation), and
 * the RAW preview carries the RAW's EXIF orientation.
 *
 * HEIC files take turns: one at a time per process from decode to the end of `use`. The wasm decode is
 * synchronous anyway, and this way a run of 48 MP HEICs never holds more than one decoded image (about
 * 4.5 bytes a pixel between the wasm heap and the TIFF) while the pipeline keeps other files in flight.
 */
export async function withDecodableSource<T>(
  bytes: Buffer,
  file: Buffer | string,
  need: DecodeNeed,
  maxPixels: number,
  use: (source: DecodableSource) => Promise<T>,
): Promise<T> {
  assertDecodable(bytes, file);
  const camera = sniffCameraFormat(bytes, file);
  if (camera === null) return use({ bytes, format: null, width: null, height: null });
  if (camera.kind === 'raw') {
    const preview = await extractRawPreview(file, bytes);
    return use({
      bytes: preview.jpeg,
      format: camera.raw,
      width: preview.width,
      height: preview.height,
      takenAt: preview.takenAt,
    });
  }
  return heifTurns.run(async () => {
    const decoded = await decodeHeif(bytes, {
      maxPixels,
      ...(need === 'full' ? {} : { thumbnailSuffices: sufficientFor(need) }),
    });
    return use({
      bytes: decoded.tiff,
      format: 'heic',
      width: decoded.width,
      height: decoded.height,
      takenAt: decoded.takenAt,
    });
  });
}

/** Runs tasks one after another, in call order. */
class Turns {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.last.then(task, task);
    this.last = next.catch(() => undefined);
    return next;
  }
}

const heifTurns = new Turns();

function sufficientFor(need: { shortSide: number } | { longSide: number }) {
  return 'shortSide' in need
    ? (width: number, height: number) => Math.min(width, height) >= need.shortSide
    : (width: number, height: number) => Math.max(width, height) >= need.longSide;
}
