// PIL-exact antialiased bilinear resize of a window of an RGB image, for photos that must be enlarged (engine process).

/**
 * libvips enlarges with corner-aligned sampling: half an output pixel away from PIL's centre-aligned
 * triangle filter, about 3–5 grey levels on average for a small photo. Images smaller than the resize target
 * are cheap to decode in full, so their resize is done here exactly as PIL's ImagingResample does it
 * (fixed-point weights, rounding and clamping to 8 bits after each pass), and only for the pixels the
 * centre crop keeps.
 */

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

/** PIL's coefficients for `count` output pixels starting at `first`, of an inSize → outSize resize. */
interface AxisCoeffs {
  /** First source pixel of each output pixel, and how many it reads. */
  min: Int32Array;
  count: Int32Array;
  /** `ksize` fixed-point weights per output pixel. */
  weights: Int32Array;
  ksize: number;
  /** Source pixels read by all of them: [srcStart, srcEnd). */
  srcStart: number;
  srcEnd: number;
}

function axisCoeffs(inSize: number, outSize: number, first: number, count: number): AxisCoeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filterscale; // the triangle filter's support is 1, widened when shrinking (antialias)
  const ksize = Math.ceil(support) * 2 + 1;
  const min = new Int32Array(count);
  const n = new Int32Array(count);
  const weights = new Int32Array(count * ksize);
  const k = new Float64Array(ksize);
  let srcStart = inSize;
  let srcEnd = 0;
  for (let i = 0; i < count; i++) {
    const center = (first + i + 0.5) * scale;
    // Math.trunc is C's (int) cast, which PIL uses to round these bounds.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xcount = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let sum = 0;
    for (let x = 0; x < xcount; x++) {
      const t = Math.abs((x + xmin - center + 0.5) / filterscale);
      const w = t < 1 ? 1 - t : 0;
      k[x] = w;
      sum += w;
    }
    for (let x = 0; x < xcount; x++) {
      const w = sum === 0 ? (k[x] as number) : (k[x] as number) / sum;
      weights[i * ksize + x] = Math.trunc(w < 0 ? w * ONE - 0.5 : w * ONE + 0.5);
    }
    min[i] = xmin;
    n[i] = xcount;
    srcStart = Math.min(srcStart, xmin);
    srcEnd = Math.max(srcEnd, xmin + xcount);
  }
  return { min, count: n, weights, ksize, srcStart, srcEnd };
}

function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Output rectangle of the resized image to compute. */
export interface Window {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface ResamplePlan {
  /** Source rectangle (in the full image) the window reads; decode at least this. */
  source: Window;
  x: AxisCoeffs;
  y: AxisCoeffs;
  /** Whether PIL would run each pass at all (it skips an axis whose size does not change). */
  resizeX: boolean;
  resizeY: boolean;
}

/** Plans a resize of an inWidth × inHeight image to outWidth × outHeight, of which only `window` is needed. */
export function planBilinear(
  inWidth: number,
  inHeight: number,
  outWidth: number,
  outHeight: number,
  window: Window,
): ResamplePlan {
  const x = axisCoeffs(inWidth, outWidth, window.left, window.width);
  const y = axisCoeffs(inHeight, outHeight, window.top, window.height);
  const resizeX = outWidth !== inWidth;
  const resizeY = outHeight !== inHeight;
  const left = resizeX ? x.srcStart : window.left;
  const top = resizeY ? y.srcStart : window.top;
  const right = resizeX ? x.srcEnd : window.left + window.width;
  const bottom = resizeY ? y.srcEnd : window.top + window.height;
  return { source: { left, top, width: right - left, height: bottom - top }, x, y, resizeX, resizeY };
}

/**
 * Runs the plan on `src`, the interleaved RGB pixels of exactly `plan.source`; returns the window's
 * interleaved RGB pixels. Horizontal pass first, then vertical, as PIL does.
 */
export function resampleBilinear(src: Uint8Array, plan: ResamplePlan): Uint8Array {
  const { source, x, y, resizeX, resizeY } = plan;
  const outW = x.count.length;
  const outH = y.count.length;

  // Horizontal pass over every source row of the window: srcRows × outW.
  const rows = source.height;
  const mid = new Uint8Array(rows * outW * 3);
  for (let r = 0; r < rows; r++) {
    const rowBase = r * source.width * 3;
    for (let i = 0; i < outW; i++) {
      const d = (r * outW + i) * 3;
      if (!resizeX) {
        const s = rowBase + i * 3;
        mid[d] = src[s] as number;
        mid[d + 1] = src[s + 1] as number;
        mid[d + 2] = src[s + 2] as number;
        continue;
      }
      const n = x.count[i] as number;
      const wBase = i * x.ksize;
      let s = rowBase + ((x.min[i] as number) - source.left) * 3;
      let a0 = HALF;
      let a1 = HALF;
      let a2 = HALF;
      for (let t = 0; t < n; t++, s += 3) {
        const w = x.weights[wBase + t] as number;
        a0 += (src[s] as number) * w;
        a1 += (src[s + 1] as number) * w;
        a2 += (src[s + 2] as number) * w;
      }
      mid[d] = clip8(a0);
      mid[d + 1] = clip8(a1);
      mid[d + 2] = clip8(a2);
    }
  }

  // Vertical pass.
  const out = new Uint8Array(outW * outH * 3);
  const stride = outW * 3;
  for (let j = 0; j < outH; j++) {
    if (!resizeY) {
      out.set(mid.subarray(j * stride, (j + 1) * stride), j * stride);
      continue;
    }
    const n = y.count[j] as number;
    const wBase = j * y.ksize;
    const firstRow = (y.min[j] as number) - source.top;
    for (let i = 0; i < stride; i++) {
      let acc = HALF;
      let s = firstRow * stride + i;
      for (let t = 0; t < n; t++, s += stride) {
        acc += (mid[s] as number) * (y.weights[wBase + t] as number);
      }
      out[j * stride + i] = clip8(acc);
    }
  }
  return out;
}
