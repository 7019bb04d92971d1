// Decodes one photo with sharp into a normalised CHW float crop, matching torchvision's ImageNet eval transform bit for bit (engine process).

import sharp, { type Metadata, type OutputInfo, type Sharp, type SharpOptions } from 'sharp';
import { FileError } from '../../shared/file-errors.js';
import { applyDecoderPolicy, decodeError, pixelLimitError } from './decoder-policy.js';
import { exifDateTaken } from './exif-date.js';
import { writeNormalisedChw } from './normalise.js';
import { pngMayHoldKeywords } from './png-keyword-chunks.js';
import { planBilinear, resampleBilinear, type Window } from './pil-bilinear.js';
import type { PreprocessSpec } from './preprocess-spec.js';

export interface DecodedPhoto {
  /** Size as displayed, i.e. after EXIF orientation. */
  width: number;
  height: number;
  /** Decoder name as sharp reports it: jpeg, png, webp, gif, tiff, heif (AVIF only). */
  format: string;
  /** When it was taken (EXIF DateTimeOriginal, camera wall clock, "YYYY-MM-DDTHH:MM:SS"), if it says. */
  takenAt: string | null;
  /**
   * Whether the file holds an XMP packet or an IPTC block, where other tools keep keywords; null when the
   * decoder cannot tell for this format. Lets keyword import skip reading a photo that has neither.
   */
  embeddedMetadata: boolean | null;
}

/**
 * Whether the file may hold XMP or IPTC: libvips always reports them for JPEG (APP1/APP13) and WebP (its XMP
 * chunk); PNG's are text chunks that may follow the pixels, found by walking its chunk list. Others (GIF,
 * TIFF variants, AVIF) are left to exiftool: null.
 */
function mayHoldKeywords(meta: Metadata, bytes: Buffer): boolean | null {
  if (meta.format === 'jpeg' || meta.format === 'webp')
    return meta.xmp !== undefined || meta.iptc !== undefined;
  if (meta.format === 'png') return pngMayHoldKeywords(bytes);
  return null;
}

/** Ends a grant of decode memory; called once the decoded pixels are no longer needed. */
export type Release = () => void;

/**
 * Asks for `bytes` of decode memory before any pixel is decoded, waiting while concurrent decodes hold the
 * rest of a shared budget (pipeline/decode-budget.ts).
 */
export type DecodeGate = (bytes: number) => Promise<Release>;

/**
 * 'error' rejects truncated JPEG/PNG data ("premature end of JPEG image") like PIL does, but tolerates the
 * libjpeg warnings real cameras and editors produce ("N extraneous bytes before marker"), which the default
 * 'warning' would turn into failures.
 */
const FAIL_ON = 'error' as const;

/**
 * false: JPEG shrink-on-load (libjpeg DCT scaling, the reason big JPEGs are cheap) stays on but leaves at
 * least a factor of 2 to libvips' antialiased reduce. Measured on 12 MP JPEGs: ~10% slower than `true`
 * (38 vs 41 img/s on one core) while the mean difference to PIL drops from up to 3.4 to at most ~1.5 levels.
 */
const FAST_SHRINK_ON_LOAD = false;

/**
 * Writes one preprocessed image (3 × cropHeight × cropWidth floats, RGB planes) into `out` at `offset`.
 *
 * Same result as PIL open → exif_transpose → convert('RGB') → Resize(shorter, bilinear, antialias) →
 * CenterCrop → ToTensor → Normalize, except: JPEGs are shrunk on load by libjpeg's DCT scaling and libvips
 * pre-shrinks with a box filter (what makes 12 MP decodes cheap; mean difference to PIL 0.1–1.5 grey levels),
 * colour profiles and CMYK are converted properly to sRGB, and transparency is flattened onto white rather
 * than dropped, because transparent product shots and logos are meant to be seen on white and PIL's
 * convert('RGB') would expose whatever (often black) colour hides under the alpha. Images smaller than the
 * resize target are enlarged bit-exactly as PIL does (see pil-bilinear.ts).
 */
export async function preprocessPhoto(
  bytes: Buffer,
  spec: PreprocessSpec,
  out: Float32Array,
  offset: number,
  gate?: DecodeGate,
): Promise<DecodedPhoto> {
  const { cropWidth, cropHeight } = spec;
  if (!Number.isInteger(offset) || offset < 0 || offset + 3 * cropWidth * cropHeight > out.length) {
    throw new RangeError(`tensor slot at ${offset} does not fit a 3×${cropHeight}×${cropWidth} image`);
  }
  applyDecoderPolicy();

  // First frame only (GIF, WebP, TIFF pages); `page` stays unset so HEIF keeps its primary image.
  const input: SharpOptions = { failOn: FAIL_ON, pages: 1 };

  let meta: Metadata;
  try {
    // Header only. No pixel limit here so that an oversized image can still be described in the error.
    meta = await sharp(bytes, { ...input, limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeError(error, spec.maxPixels);
  }
  refuseByMetadata(meta);
  if (meta.width * meta.height > spec.maxPixels) {
    throw pixelLimitError(meta.width, meta.height, spec.maxPixels);
  }

  const { width, height } = orientedSize(meta);
  const [resizedWidth, resizedHeight] = resizedSize(width, height, spec.resizeShorter);
  const x = cropAxis(resizedWidth, cropWidth);
  const y = cropAxis(resizedHeight, cropHeight);

  const crop = { left: x.start, top: y.start, width: x.length, height: y.length };
  const enlarge = Math.min(width, height) < spec.resizeShorter;
  // Only now, with the header checked, does the decode take its share of the memory budget.
  const release = gate ? await gate(decodeMemoryBytes(meta, spec.resizeShorter)) : null;
  let data: Uint8Array;
  try {
    data = enlarge
      ? await decodeEnlarged(bytes, input, spec.maxPixels, width, height, resizedWidth, resizedHeight, crop)
      : await decodeShrunk(bytes, input, spec.maxPixels, resizedWidth, resizedHeight, crop);
  } finally {
    release?.();
  }

  writeNormalisedChw(data, spec.mean, spec.std, out, offset, {
    cropWidth,
    cropHeight,
    width: x.length,
    height: y.length,
    left: x.padBefore,
    top: y.padBefore,
  });
  return {
    width,
    height,
    format: meta.format,
    takenAt: exifDateTaken(meta.exif),
    embeddedMetadata: mayHoldKeywords(meta, bytes),
  };
}

const BYTES_PER_SAMPLE: Readonly<Record<string, number>> = {
  uchar: 1,
  char: 1,
  ushort: 2,
  short: 2,
  uint: 4,
  int: 4,
  float: 4,
  complex: 8,
  double: 8,
  dpcomplex: 16,
};

/**
 * What one decode holds at its peak, from the header alone: the decoded pixels (width × height × bands ×
 * bytes per sample), which libvips/sharp keep whole for interlaced PNG, progressive JPEG (its coefficient
 * buffers), WebP, GIF, AVIF and most TIFFs. A baseline JPEG is shrunk on load by libjpeg's DCT scaling (1/2,
 * 1/4 or 1/8, leaving at least a factor 2 to the antialiased reduce), so it costs its shrunk size. An
 * estimate that errs high for formats libvips can stream: it only decides how many decodes run at once.
 */
export function decodeMemoryBytes(meta: Metadata, resizeShorter: number): number {
  const bands = meta.channels ?? 3;
  const sample = BYTES_PER_SAMPLE[meta.depth ?? 'uchar'] ?? 1;
  let { width, height } = meta;
  if (meta.format === 'jpeg' && meta.isProgressive !== true) {
    const room = Math.min(width, height) / (2 * resizeShorter);
    const shrink = room >= 8 ? 8 : room >= 4 ? 4 : room >= 2 ? 2 : 1;
    width = Math.ceil(width / shrink);
    height = Math.ceil(height / shrink);
  }
  return width * height * bands * sample;
}

/** The usual case: libvips shrinks (JPEG shrink-on-load, then its antialiased linear reduce) and crops. */
async function decodeShrunk(
  bytes: Buffer,
  input: SharpOptions,
  maxPixels: number,
  resizedWidth: number,
  resizedHeight: number,
  crop: Window,
): Promise<Uint8Array> {
  return rgbPixels(
    sharp(bytes, { ...input, limitInputPixels: maxPixels, sequentialRead: true })
      // Resize to the exact torchvision size (fit 'fill' never re-derives it from the aspect ratio).
      .resize(resizedWidth, resizedHeight, {
        kernel: 'linear',
        fit: 'fill',
        fastShrinkOnLoad: FAST_SHRINK_ON_LOAD,
      })
      // Called after resize(), so sharp crops the resized image (a "post-resize" extract) in oriented coordinates.
      .extract(crop)
      // Called after extract(): otherwise sharp rotates before resizing, which disables JPEG shrink-on-load for
      // every rotated photo (most phone portraits). sharp still swaps the resize target for 90° orientations.
      .autoOrient(),
    crop,
    maxPixels,
  );
}

/** Small images: decode only the source pixels the crop needs, enlarge them exactly as PIL does. */
async function decodeEnlarged(
  bytes: Buffer,
  input: SharpOptions,
  maxPixels: number,
  width: number,
  height: number,
  resizedWidth: number,
  resizedHeight: number,
  crop: Window,
): Promise<Uint8Array> {
  const plan = planBilinear(width, height, resizedWidth, resizedHeight, crop);
  // autoOrient as an input option: sharp then orients before this (pre-resize) extract, so it is in oriented
  // coordinates; there is no shrink-on-load to lose when enlarging.
  const source = await rgbPixels(
    sharp(bytes, { ...input, limitInputPixels: maxPixels, autoOrient: true }).extract(plan.source),
    plan.source,
    maxPixels,
  );
  return resampleBilinear(source, plan);
}

/** Common tail: alpha onto white, any colour space to 8-bit sRGB, raw interleaved RGB of the expected size. */
async function rgbPixels(pipeline: Sharp, expected: Window, maxPixels: number): Promise<Buffer> {
  let result: { data: Buffer; info: OutputInfo };
  try {
    result = await pipeline
      .flatten({ background: '#ffffff' })
      // Greyscale, CMYK, 16-bit and ICC-profiled inputs all come out as 8-bit sRGB with three bands.
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw decodeError(error, maxPixels);
  }
  const { data, info } = result;
  if (info.channels !== 3 || info.width !== expected.width || info.height !== expected.height) {
    throw new FileError(
      'internal',
      `decoder returned ${info.width}×${info.height}×${info.channels}, expected ${expected.width}×${expected.height}×3`,
    );
  }
  return data;
}

/** HEIF is only decodable when AV1-coded (AVIF); vector/document formats must not get here at all. */
function refuseByMetadata(meta: Metadata): void {
  if (meta.format === 'heif' && meta.compression !== 'av1') {
    throw new FileError(
      'unsupported_format',
      `HEIC/HEIF images (${meta.compression ?? 'unknown'} compression) are not supported; convert them to JPEG first`,
    );
  }
  if (meta.format === 'svg' || meta.format === 'pdf') {
    throw new FileError('unsupported_format', `${meta.format.toUpperCase()} documents are not photos`);
  }
}

/** Width and height after EXIF orientation: orientations 5–8 turn the image by 90°. */
function orientedSize(meta: Metadata): { width: number; height: number } {
  if (meta.autoOrient) {
    return { width: meta.autoOrient.width, height: meta.autoOrient.height };
  }
  const swap = (meta.orientation ?? 1) >= 5;
  return swap ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
}

// Resize and centre-crop arithmetic of torchvision's Resize + CenterCrop, kept bit-exact.

/** Python's round(): halves go to the even neighbour (round(0.5) == 0, round(1.5) == 2, round(-1.5) == -2). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sends every half towards +∞; pull it back when that landed on an odd number.
  const even = Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  return even === 0 ? 0 : even; // no -0 from round(-0.5)
}

/**
 * torchvision Resize(shorter) for an int size: the shorter side becomes `shorter` and the longer side is
 * int(shorter * long / short) — Python's truncation of the float quotient, evaluated left to right as
 * torchvision does, so the same double rounding happens here.
 */
export function resizedSize(width: number, height: number, shorter: number): [width: number, height: number] {
  if (width <= height) {
    return [shorter, Math.trunc((shorter * height) / width)];
  }
  return [Math.trunc((shorter * width) / height), shorter];
}

/** torchvision CenterCrop offset along one axis: int(round((size - crop) / 2.0)). */
export function centreCropOffset(size: number, crop: number): number {
  return roundHalfEven((size - crop) / 2);
}

/** Which pixels of one axis of the resized image land where in the crop. */
export interface CropAxis {
  /** First resized pixel taken. */
  start: number;
  /** Number of resized pixels taken (== crop unless the image is smaller than the crop). */
  length: number;
  /** Zero (black) pixels before them in the crop; torchvision pads when the crop is bigger. */
  padBefore: number;
}

/**
 * CenterCrop along one axis. A crop bigger than the image cannot happen with 256 → 224 but can with custom
 * specs; torchvision then pads with zeros, (crop - size) // 2 before and the rest after, and crops at 0.
 */
export function cropAxis(size: number, crop: number): CropAxis {
  if (crop > size) {
    return { start: 0, length: size, padBefore: Math.floor((crop - size) / 2) };
  }
  return { start: centreCropOffset(size, crop), length: crop, padBefore: 0 };
}
