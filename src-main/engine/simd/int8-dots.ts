// Dot products of one int8 vector with every row of an int8 matrix (engine): a WebAssembly SIMD kernel, plain JavaScript where it cannot run.

import { buildModule, I32, op, V128 } from './wasm-module.js';

/**
 * dots(rows ptr, row count, dim, query ptr, out ptr): out[r] = Σ_k row_r[k]·query[k] as int32. Sixteen int8
 * pairs per step: widened to int16 and summed pairwise into int32 lanes (i32x4.dot_i16x8_s), which is exact
 * (|sum| ≤ 2048·127·128 fits easily) and about ten times what scalar JavaScript does. dim must be a
 * multiple of 16 (every ResNet's is).
 */
function dotsModule(): Uint8Array {
  const [vec, rows, dim, query, out, r, end, qp, acc, a, b] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
  const lane = (i: number) => [op.get(acc), op.i32x4ExtractLane(i)];
  return buildModule({
    imports: [],
    exports: [
      {
        name: 'dots',
        func: {
          params: [I32, I32, I32, I32, I32],
          results: [],
          locals: [I32, I32, I32, V128, V128, V128],
          body: [
            op.block,
            op.loop,
            ...[op.get(r), op.get(rows), op.i32GeU, op.brIf(1)],
            ...[op.v128Zero, op.set(acc)],
            ...[op.get(vec), op.get(dim), op.i32Add, op.set(end)],
            ...[op.get(query), op.set(qp)],
            op.loop,
            ...[op.get(vec), op.v128Load, op.set(a), op.get(qp), op.v128Load, op.set(b)],
            op.get(acc),
            ...[op.get(a), op.i16x8ExtendLowI8x16S, op.get(b), op.i16x8ExtendLowI8x16S, op.i32x4DotI16x8S],
            op.i32x4Add,
            ...[op.get(a), op.i16x8ExtendHighI8x16S, op.get(b), op.i16x8ExtendHighI8x16S, op.i32x4DotI16x8S],
            op.i32x4Add,
            op.set(acc),
            ...[op.get(qp), op.i32Const(16), op.i32Add, op.set(qp)],
            ...[op.get(vec), op.i32Const(16), op.i32Add, op.tee(vec), op.get(end), op.i32LtU, op.brIf(0)],
            op.end,
            op.get(out),
            ...[...lane(0), ...lane(1), op.i32Add, ...lane(2), op.i32Add, ...lane(3), op.i32Add],
            op.i32Store,
            ...[op.get(out), op.i32Const(4), op.i32Add, op.set(out)],
            ...[op.get(r), op.i32Const(1), op.i32Add, op.set(r)],
            op.br(0),
            op.end,
            op.end,
          ],
        },
      },
    ],
  });
}

let compiled: WebAssembly.Module | null | undefined;

/** The kernel's module, compiled once; null where WebAssembly SIMD is not available. */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(dotsModule());
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const PAGE = 65536;
/** wasm32 addresses 4 GiB; a matrix past that stays a plain array (and uses the JavaScript loop). */
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;

/** A matrix whose rows live in WebAssembly memory: [dot products: rows × 4 bytes][query: dim][rows]. */
class Int8Kernel {
  readonly vectors: Int8Array<ArrayBuffer>;
  private readonly out: Int32Array;
  private readonly query: Int8Array;
  private readonly dots: (vec: number, rows: number, dim: number, query: number, out: number) => void;

  constructor(
    module: WebAssembly.Module,
    readonly rows: number,
    readonly dim: number,
  ) {
    const queryAt = align16(rows * 4);
    const vectorsAt = queryAt + align16(dim);
    const memory = new WebAssembly.Memory({ initial: Math.ceil((vectorsAt + rows * dim) / PAGE) || 1 });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.dots = instance.exports.dots as Int8Kernel['dots'];
    this.out = new Int32Array(memory.buffer, 0, rows);
    this.query = new Int8Array(memory.buffer, queryAt, dim);
    this.vectors = new Int8Array(memory.buffer, vectorsAt, rows * dim);
  }

  /** Dot products of `query` with rows [from, rows), at their row index of the answer. */
  run(query: Int8Array, from: number, rows: number): Int32Array {
    this.query.set(query);
    const count = rows - from;
    if (count > 0) {
      this.dots(
        this.vectors.byteOffset + from * this.dim,
        count,
        this.dim,
        this.query.byteOffset,
        this.out.byteOffset + from * 4,
      );
    }
    return this.out;
  }
}

function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

const kernels = new WeakMap<ArrayBufferLike, Int8Kernel>();

/**
 * Room for `rows` int8 vectors of `dim` values, in memory the SIMD kernel reads when it can run (no copy
 * at query time), else a plain array.
 */
export function allocateInt8Rows(rows: number, dim: number): Int8Array<ArrayBuffer> {
  const module = dim % 16 === 0 && rows > 0 ? kernelModule() : null;
  if (module && align16(rows * 4) + align16(dim) + rows * dim <= MAX_BYTES) {
    try {
      const kernel = new Int8Kernel(module, rows, dim);
      kernels.set(kernel.vectors.buffer, kernel);
      return kernel.vectors;
    } catch {
      // Not enough memory for one block: the plain array below may still fit in pieces of the heap.
    }
  }
  return new Int8Array(rows * dim);
}

/** Whether `vectors` (from allocateInt8Rows) is read by the SIMD kernel. */
export function usesSimd(vectors: Int8Array): boolean {
  const kernel = kernels.get(vectors.buffer);
  return kernel !== undefined && vectors.byteOffset === kernel.vectors.byteOffset;
}

/**
 * out[r] = vectors row r · query for r in [from, rows); entries before `from` are unspecified. The answer
 * may be the kernel's own buffer: read it before the next call on the same matrix.
 */
export function dotsWithQuery(
  vectors: Int8Array,
  dim: number,
  rows: number,
  query: Int8Array,
  from = 0,
): Int32Array {
  const kernel = kernels.get(vectors.buffer);
  if (
    kernel &&
    vectors.byteOffset === kernel.vectors.byteOffset &&
    rows <= kernel.rows &&
    dim === kernel.dim
  ) {
    return kernel.run(query, from, rows);
  }
  return dotsInJavaScript(vectors, dim, rows, query, from);
}

/** The same sums without SIMD: four accumulators let V8 overlap the multiplies. */
export function dotsInJavaScript(
  vectors: Int8Array,
  dim: number,
  rows: number,
  query: Int8Array,
  from = 0,
): Int32Array {
  const out = new Int32Array(rows);
  const tail = dim - (dim % 4);
  for (let r = from; r < rows; r++) {
    const o = r * dim;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = 0; k < tail; k += 4) {
      s0 += (vectors[o + k] as number) * (query[k] as number);
      s1 += (vectors[o + k + 1] as number) * (query[k + 1] as number);
      s2 += (vectors[o + k + 2] as number) * (query[k + 2] as number);
      s3 += (vectors[o + k + 3] as number) * (query[k + 3] as number);
    }
    for (let k = tail; k < dim; k++) s0 += (vectors[o + k] as number) * (query[k] as number);
    out[r] = s0 + s1 + s2 + s3;
  }
  return out;
}
