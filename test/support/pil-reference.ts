// Test-only, independent re-implementation of torchvision's ImageNet eval transform on top of PIL's resampler (test process).

import sharp from 'sharp';
import type { PreprocessSpec, Rgb } from '../../src-main/engine/imaging/preprocess-spec.js';

/** Interleaved 8-bit RGB pixels. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Full-size decode with no resizing at all (so no shrink-on-load), alpha on white like the engine, sRGB.
 * Orientation is applied here in TypeScript, not by libvips, so the engine's orientation handling is checked.
 */
export async function decodeFullRgb(bytes: Buffer): Promise<RgbImage> {
  const meta = await sharp(bytes).metadata();
  const { data, info } = await sharp(bytes, { autoOrient: false, pages: 1 })
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`reference decode gave ${info.channels} channels`);
  return exifTranspose({ data, width: info.width, height: info.height }, meta.orientation ?? 1);
}

/** PIL ImageOps.exif_transpose: orientation tag → transpose method. */
export function exifTranspose(img: RgbImage, orientation: number): RgbImage {
  const { width: w, height: h } = img;
  // Maps an output pixel to the input pixel it comes from, per PIL's transpose methods.
  const maps: Record<number, { swap: boolean; from: (x: number, y: number) => [number, number] }> = {
    1: { swap: false, from: (x, y) => [x, y] },
    2: { swap: false, from: (x, y) => [w - 1 - x, y] }, // FLIP_LEFT_RIGHT
    3: { swap: false, from: (x, y) => [w - 1 - x, h - 1 - y] }, // ROTATE_180
    4: { swap: false, from: (x, y) => [x, h - 1 - y] }, // FLIP_TOP_BOTTOM
    5: { swap: true, from: (x, y) => [y, x] }, // TRANSPOSE
    6: { swap: true, from: (x, y) => [y, h - 1 - x] }, // ROTATE_270 (90° clockwise)
    7: { swap: true, from: (x, y) => [w - 1 - y, h - 1 - x] }, // TRANSVERSE
    8: { swap: true, from: (x, y) => [w - 1 - y, x] }, // ROTATE_90 (90° anticlockwise)
  };
  const map = maps[orientation] ?? maps[1];
  if (!map || orientation === 1) return img;
  const ow = map.swap ? h : w;
  const oh = map.swap ? w : h;
  const data = new Uint8Array(ow * oh * 3);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const [sx, sy] = map.from(x, y);
      const s = (sy * w + sx) * 3;
      const d = (y * ow + x) * 3;
      data[d] = img.data[s] ?? 0;
      data[d + 1] = img.data[s + 1] ?? 0;
      data[d + 2] = img.data[s + 2] ?? 0;
    }
  }
  return { data, width: ow, height: oh };
}

const PRECISION_BITS = 32 - 8 - 2;

interface Coeffs {
  /** Per output pixel: first input pixel and count. */
  bounds: Int32Array;
  /** ksize fixed-point weights per output pixel. */
  weights: Int32Array;
  ksize: number;
}

/**
 * PIL Resample.c precompute_coeffs + normalize_coeffs_8bpc for a triangle (BILINEAR) filter. `antialias`
 * false gives the classic non-antialiased bilinear (support never widened), only to prove the tests notice.
 */
function precomputeCoeffs(inSize: number, outSize: number, antialias: boolean): Coeffs {
  const scale = inSize / outSize;
  const filterscale = antialias ? Math.max(scale, 1) : 1;
  const support = 1 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    // C's (int) cast truncates towards zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      const w = t < 1 ? 1 - t : 0;
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      const w = x < xmax && ww !== 0 ? (k[x] ?? 0) / ww : 0;
      weights[xx * ksize + x] = Math.trunc(
        w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS),
      );
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { bounds, weights, ksize };
}

function clip8(ss: number): number {
  const v = Math.floor(ss / (1 << PRECISION_BITS));
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** One separable pass along x (horizontal) or y, with PIL's 8-bit rounding and clamping. */
function resamplePass(src: RgbImage, outSize: number, horizontal: boolean, antialias: boolean): RgbImage {
  const inSize = horizontal ? src.width : src.height;
  const { bounds, weights, ksize } = precomputeCoeffs(inSize, outSize, antialias);
  const ow = horizontal ? outSize : src.width;
  const oh = horizontal ? src.height : outSize;
  const data = new Uint8Array(ow * oh * 3);
  const step = horizontal ? 3 : src.width * 3;
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const o = horizontal ? x : y;
      const min = bounds[o * 2] ?? 0;
      const count = bounds[o * 2 + 1] ?? 0;
      let base = horizontal ? (y * src.width + min) * 3 : (min * src.width + x) * 3;
      let s0 = 1 << (PRECISION_BITS - 1);
      let s1 = s0;
      let s2 = s0;
      for (let i = 0; i < count; i++, base += step) {
        const w = weights[o * ksize + i] ?? 0;
        s0 += (src.data[base] ?? 0) * w;
        s1 += (src.data[base + 1] ?? 0) * w;
        s2 += (src.data[base + 2] ?? 0) * w;
      }
      const d = (y * ow + x) * 3;
      data[d] = clip8(s0);
      data[d + 1] = clip8(s1);
      data[d + 2] = clip8(s2);
    }
  }
  return { data, width: ow, height: oh };
}

/** PIL Image.resize(size, BILINEAR): horizontal pass then vertical, each only when that axis changes size. */
export function pilResizeBilinear(src: RgbImage, width: number, height: number, antialias = true): RgbImage {
  let img = src;
  if (width !== img.width) img = resamplePass(img, width, true, antialias);
  if (height !== img.height) img = resamplePass(img, height, false, antialias);
  return img;
}

/** Everything the wrong-pipeline tests can perturb. */
export interface ReferenceOptions {
  antialias?: boolean;
  /** Swap R and B (a BGR model input). */
  bgr?: boolean;
  /** Move the crop window by this many pixels right/down. */
  shiftCrop?: number;
  /** Skip Normalize (ToTensor only). */
  skipNormalise?: boolean;
}

/**
 * Resize(shorter) → CenterCrop → ToTensor → Normalize, written from torchvision's source independently of
 * the engine's helpers (int() truncation, Python round()). Crops smaller than the image only.
 */
export function referenceTensorFromRgb(
  img: RgbImage,
  spec: PreprocessSpec,
  options: ReferenceOptions = {},
): Float32Array {
  const short = Math.min(img.width, img.height);
  const long = Math.max(img.width, img.height);
  const newLong = Math.floor((spec.resizeShorter * long) / short);
  const [rw, rh] = img.width <= img.height ? [spec.resizeShorter, newLong] : [newLong, spec.resizeShorter];
  const resized = pilResizeBilinear(img, rw, rh, options.antialias ?? true);
  const pyRound = (v: number) => {
    const f = Math.floor(v);
    const diff = v - f;
    return diff > 0.5 ? f + 1 : diff < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  };
  const shift = options.shiftCrop ?? 0;
  const top = pyRound((rh - spec.cropHeight) / 2) + shift;
  const left = pyRound((rw - spec.cropWidth) / 2) + shift;
  const { cropWidth: cw, cropHeight: ch } = spec;
  const mean: Rgb = options.skipNormalise ? [0, 0, 0] : spec.mean;
  const std: Rgb = options.skipNormalise ? [1, 1, 1] : spec.std;
  const out = new Float32Array(3 * cw * ch);
  for (let c = 0; c < 3; c++) {
    const sc = options.bgr ? 2 - c : c;
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        const v = resized.data[((top + y) * rw + left + x) * 3 + sc] ?? 0;
        out[c * cw * ch + y * cw + x] = (v / 255 - (mean[c] ?? 0)) / (std[c] ?? 1);
      }
    }
  }
  return out;
}

export async function referenceTensor(
  bytes: Buffer,
  spec: PreprocessSpec,
  options: ReferenceOptions = {},
): Promise<Float32Array> {
  return referenceTensorFromRgb(await decodeFullRgb(bytes), spec, options);
}

/** Mean |a − b| over a CHW tensor, in 8-bit pixel levels (undoes the /255/std of Normalize). */
export function meanAbsDiffLevels(a: Float32Array, b: Float32Array, std: Rgb): number {
  if (a.length !== b.length) throw new Error('tensor sizes differ');
  const plane = a.length / 3;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const c = Math.floor(i / plane);
    sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0)) * 255 * (std[c] ?? 1);
  }
  return sum / a.length;
}
