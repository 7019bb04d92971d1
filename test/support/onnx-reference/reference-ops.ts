// Straightforward float kernels of the ONNX ops the synthetic models use, for the reference interpreter (engine process).
// Written for clarity, not speed: nested loops in ONNX's own definitions, accumulating in float64.
import type { RefAttribute, RefTensor } from './reference-model.js';

export type Attributes = ReadonlyMap<string, RefAttribute>;

function intAttr(attrs: Attributes, name: string, fallback: number): number {
  const value = attrs.get(name);
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new Error(`attribute ${name} should be a number`);
  return value;
}

function intsAttr(attrs: Attributes, name: string, fallback: number[]): number[] {
  const value = attrs.get(name);
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) throw new Error(`attribute ${name} should be a list`);
  return value;
}

function at(values: readonly number[], index: number): number {
  const value = values[index];
  if (value === undefined) throw new Error(`missing value at index ${index}`);
  return value;
}

function get(data: Float32Array, index: number): number {
  return data[index] as number;
}

/** NCHW 2-D spatial dims, the only layout the interpreter handles. */
function nchw(tensor: RefTensor, op: string): [number, number, number, number] {
  if (tensor.dims.length !== 4)
    throw new Error(`${op}: expected a 4-D NCHW tensor, got [${tensor.dims.join(', ')}]`);
  return [at(tensor.dims, 0), at(tensor.dims, 1), at(tensor.dims, 2), at(tensor.dims, 3)];
}

interface Window {
  kernel: [number, number];
  strides: [number, number];
  /** [top, left, bottom, right], ONNX's begin-then-end order. */
  pads: [number, number, number, number];
  dilations: [number, number];
  outH: number;
  outW: number;
}

function slidingWindow(attrs: Attributes, kernel: number[], h: number, w: number, op: string): Window {
  const autoPad = attrs.get('auto_pad');
  if (autoPad !== undefined && autoPad !== 'NOTSET') {
    throw new Error(`${op}: auto_pad ${String(autoPad)} unsupported`);
  }
  const strides = intsAttr(attrs, 'strides', [1, 1]);
  const pads = intsAttr(attrs, 'pads', [0, 0, 0, 0]);
  const dilations = intsAttr(attrs, 'dilations', [1, 1]);
  const ceil = intAttr(attrs, 'ceil_mode', 0) === 1;
  const size = (input: number, k: number, s: number, p0: number, p1: number, d: number) => {
    const span = (input + p0 + p1 - d * (k - 1) - 1) / s;
    return (ceil ? Math.ceil(span) : Math.floor(span)) + 1;
  };
  const [kh, kw] = [at(kernel, 0), at(kernel, 1)];
  const [sh, sw] = [at(strides, 0), at(strides, 1)];
  const [pt, pl, pb, pr] = [at(pads, 0), at(pads, 1), at(pads, 2), at(pads, 3)];
  const [dh, dw] = [at(dilations, 0), at(dilations, 1)];
  return {
    kernel: [kh, kw],
    strides: [sh, sw],
    pads: [pt, pl, pb, pr],
    dilations: [dh, dw],
    outH: size(h, kh, sh, pt, pb, dh),
    outW: size(w, kw, sw, pl, pr, dw),
  };
}

export function conv(
  x: RefTensor,
  weight: RefTensor,
  bias: RefTensor | undefined,
  attrs: Attributes,
): RefTensor {
  const [n, c, h, w] = nchw(x, 'Conv');
  const [m, cPerGroup, kh, kw] = nchw(weight, 'Conv weight');
  const group = intAttr(attrs, 'group', 1);
  if (cPerGroup * group !== c)
    throw new Error(`Conv: ${c} input channels, weight expects ${cPerGroup}×${group}`);
  const win = slidingWindow(attrs, intsAttr(attrs, 'kernel_shape', [kh, kw]), h, w, 'Conv');
  const { outH, outW } = win;
  const mPerGroup = m / group;
  const out = new Float32Array(n * m * outH * outW);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < m; oc++) {
      const g = Math.floor(oc / mPerGroup);
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let sum = bias ? get(bias.data, oc) : 0;
          for (let ic = 0; ic < cPerGroup; ic++) {
            const channel = g * cPerGroup + ic;
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * win.strides[0] - win.pads[0] + ky * win.dilations[0];
              if (iy < 0 || iy >= h) continue; // zero padding
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * win.strides[1] - win.pads[1] + kx * win.dilations[1];
                if (ix < 0 || ix >= w) continue;
                const xv = get(x.data, ((b * c + channel) * h + iy) * w + ix);
                const wv = get(weight.data, ((oc * cPerGroup + ic) * kh + ky) * kw + kx);
                sum += xv * wv;
              }
            }
          }
          out[((b * m + oc) * outH + oy) * outW + ox] = sum;
        }
      }
    }
  }
  return { dims: [n, m, outH, outW], data: out };
}

/** Inference-mode BatchNormalization: scale * (x - mean) / sqrt(var + epsilon) + bias, per channel. */
export function batchNormalization(x: RefTensor, params: RefTensor[], attrs: Attributes): RefTensor {
  const [scale, bias, mean, variance] = params;
  if (!scale || !bias || !mean || !variance)
    throw new Error('BatchNormalization: needs scale, B, mean and var');
  const epsilonValue = attrs.get('epsilon') ?? 1e-5;
  if (typeof epsilonValue !== 'number') throw new Error('BatchNormalization: epsilon should be a number');
  const n = at(x.dims, 0);
  const c = at(x.dims, 1);
  const spatial = x.data.length / (n * c);
  const out = new Float32Array(x.data.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const factor = get(scale.data, ch) / Math.sqrt(get(variance.data, ch) + epsilonValue);
      const offset = (b * c + ch) * spatial;
      for (let i = 0; i < spatial; i++) {
        out[offset + i] = (get(x.data, offset + i) - get(mean.data, ch)) * factor + get(bias.data, ch);
      }
    }
  }
  return { dims: [...x.dims], data: out };
}

export function relu(x: RefTensor): RefTensor {
  return { dims: [...x.dims], data: x.data.map((v) => (v > 0 ? v : 0)) };
}

/** Element-wise sum with numpy-style (multidirectional) broadcasting. */
export function add(a: RefTensor, b: RefTensor): RefTensor {
  const rank = Math.max(a.dims.length, b.dims.length);
  const padded = (dims: number[]) => [...new Array<number>(rank - dims.length).fill(1), ...dims];
  const da = padded(a.dims);
  const db = padded(b.dims);
  const dims = da.map((d, i) => {
    const e = at(db, i);
    if (d !== e && d !== 1 && e !== 1)
      throw new Error(`Add: shapes [${a.dims.join(', ')}] and [${b.dims.join(', ')}]`);
    return Math.max(d, e);
  });
  const total = dims.reduce((p, d) => p * d, 1);
  const out = new Float32Array(total);
  const coords = new Array<number>(rank).fill(0);
  for (let i = 0; i < total; i++) {
    let rem = i;
    for (let axis = rank - 1; axis >= 0; axis--) {
      const d = at(dims, axis);
      coords[axis] = rem % d;
      rem = Math.floor(rem / d);
    }
    let ia = 0;
    let ib = 0;
    for (let axis = 0; axis < rank; axis++) {
      const coord = at(coords, axis);
      ia = ia * at(da, axis) + (at(da, axis) === 1 ? 0 : coord);
      ib = ib * at(db, axis) + (at(db, axis) === 1 ? 0 : coord);
    }
    out[i] = get(a.data, ia) + get(b.data, ib);
  }
  return { dims, data: out };
}

export function maxPool(x: RefTensor, attrs: Attributes): RefTensor {
  const [n, c, h, w] = nchw(x, 'MaxPool');
  const kernel = intsAttr(attrs, 'kernel_shape', []);
  const win = slidingWindow(attrs, kernel, h, w, 'MaxPool');
  const { outH, outW } = win;
  const out = new Float32Array(n * c * outH * outW);
  for (let plane = 0; plane < n * c; plane++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        // Padding never wins: it behaves as -infinity.
        let best = -Infinity;
        for (let ky = 0; ky < win.kernel[0]; ky++) {
          const iy = oy * win.strides[0] - win.pads[0] + ky * win.dilations[0];
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < win.kernel[1]; kx++) {
            const ix = ox * win.strides[1] - win.pads[1] + kx * win.dilations[1];
            if (ix < 0 || ix >= w) continue;
            best = Math.max(best, get(x.data, (plane * h + iy) * w + ix));
          }
        }
        out[(plane * outH + oy) * outW + ox] = best;
      }
    }
  }
  return { dims: [n, c, outH, outW], data: out };
}

export function globalAveragePool(x: RefTensor): RefTensor {
  const n = at(x.dims, 0);
  const c = at(x.dims, 1);
  const spatial = x.data.length / (n * c);
  const out = new Float32Array(n * c);
  for (let plane = 0; plane < n * c; plane++) {
    let sum = 0;
    for (let i = 0; i < spatial; i++) sum += get(x.data, plane * spatial + i);
    out[plane] = sum / spatial;
  }
  return { dims: [n, c, ...x.dims.slice(2).map(() => 1)], data: out };
}

/** Softmax along `axis` (opset 13), in float64 after subtracting each row's maximum. */
export function softmax(x: RefTensor, attrs: Attributes): RefTensor {
  const rawAxis = intAttr(attrs, 'axis', -1);
  const axis = rawAxis < 0 ? rawAxis + x.dims.length : rawAxis;
  const size = at(x.dims, axis);
  const inner = x.dims.slice(axis + 1).reduce((p, d) => p * d, 1);
  const outer = x.data.length / (size * inner);
  const out = new Float32Array(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const index = (k: number) => (o * size + k) * inner + i;
      let max = -Infinity;
      for (let k = 0; k < size; k++) max = Math.max(max, get(x.data, index(k)));
      let sum = 0;
      for (let k = 0; k < size; k++) sum += Math.exp(get(x.data, index(k)) - max);
      for (let k = 0; k < size; k++) out[index(k)] = Math.exp(get(x.data, index(k)) - max) / sum;
    }
  }
  return { dims: [...x.dims], data: out };
}

export function log(x: RefTensor): RefTensor {
  return { dims: [...x.dims], data: x.data.map((v) => Math.log(v)) };
}

export function flatten(x: RefTensor, attrs: Attributes): RefTensor {
  const rawAxis = intAttr(attrs, 'axis', 1);
  const axis = rawAxis < 0 ? rawAxis + x.dims.length : rawAxis;
  const outer = x.dims.slice(0, axis).reduce((p, d) => p * d, 1);
  return { dims: [outer, x.data.length / outer], data: x.data.slice() };
}

/** Y = alpha * A' * B' + beta * C, with C broadcast to [M, N]. */
export function gemm(a: RefTensor, b: RefTensor, c: RefTensor | undefined, attrs: Attributes): RefTensor {
  const float = (name: string) => {
    const value = attrs.get(name) ?? 1;
    if (typeof value !== 'number') throw new Error(`Gemm: ${name} should be a number`);
    return value;
  };
  const alpha = float('alpha');
  const beta = float('beta');
  const transA = intAttr(attrs, 'transA', 0) === 1;
  const transB = intAttr(attrs, 'transB', 0) === 1;
  const [a0, a1] = [at(a.dims, 0), at(a.dims, 1)];
  const [b0, b1] = [at(b.dims, 0), at(b.dims, 1)];
  const [m, k] = transA ? [a1, a0] : [a0, a1];
  const [kb, n] = transB ? [b1, b0] : [b0, b1];
  if (k !== kb) throw new Error(`Gemm: inner dimensions ${k} and ${kb} differ`);
  const cDims = c ? [...new Array<number>(2 - c.dims.length).fill(1), ...c.dims] : [1, 1];
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const av = get(a.data, transA ? p * a1 + i : i * a1 + p);
        const bv = get(b.data, transB ? j * b1 + p : p * b1 + j);
        sum += av * bv;
      }
      const ci = (at(cDims, 0) === 1 ? 0 : i) * at(cDims, 1) + (at(cDims, 1) === 1 ? 0 : j);
      out[i * n + j] = alpha * sum + (c ? beta * get(c.data, ci) : 0);
    }
  }
  return { dims: [m, n], data: out };
}
