// One pass of a linear model's gradient over float32 rows (engine): z = x·w per row, a caller's coefficient, Σ coefficient·x — WebAssembly SIMD where it can run.

import { buildModule, F64, I32, op, V128 } from './wasm-module.js';

/** Given a row's x·w (no bias) and its index, the coefficient its row adds to the sum with. */
export type RowCoefficient = (dot: number, row: number) => number;

/**
 * pass(x ptr, offsets ptr, rows, dim bytes, w ptr, acc ptr): for each of `rows` rows, at x + offsets[i]
 * (byte offsets, so a problem names any subset of the rows without copying them): z = Σ x·w (two f32x4
 * accumulators, eight floats a step), c = coef(z, i) (imported: the loss and its derivative need exp and
 * log, which WebAssembly lacks), then acc += c·x. acc must start zeroed; dim a multiple of 16.
 */
function passModule(): Uint8Array {
  const [x, offsets, rows, dim, w, acc, r, k, p, s0, s1, g, c] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
  ] as const;
  const coefFunc = 0;
  const lane = (i: number) => [op.get(s0), op.f32x4ExtractLane(i)];
  const at = (base: number) => [op.get(base), op.get(k), op.i32Add];
  return buildModule({
    imports: [{ name: 'coef', params: [F64, I32], results: [F64] }],
    exports: [
      {
        name: 'pass',
        func: {
          params: [I32, I32, I32, I32, I32, I32],
          results: [],
          locals: [I32, I32, I32, V128, V128, V128, F64],
          body: [
            op.block,
            op.loop,
            ...[op.get(r), op.get(rows), op.i32GeU, op.brIf(1)],
            ...[op.get(offsets), op.i32Load, op.get(x), op.i32Add, op.set(p)],
            ...[op.v128Zero, op.set(s0), op.v128Zero, op.set(s1), op.i32Const(0), op.set(k)],
            op.loop,
            ...[
              op.get(s0),
              ...at(p),
              op.v128Load,
              ...at(w),
              op.v128Load,
              op.f32x4Mul,
              op.f32x4Add,
              op.set(s0),
            ],
            ...[op.get(s1), ...at(p), op.v128LoadAt(16), ...at(w), op.v128LoadAt(16), op.f32x4Mul],
            ...[op.f32x4Add, op.set(s1)],
            ...[op.get(k), op.i32Const(32), op.i32Add, op.tee(k), op.get(dim), op.i32LtU, op.brIf(0)],
            op.end,
            ...[op.get(s0), op.get(s1), op.f32x4Add, op.set(s0)],
            ...[...lane(0), ...lane(1), op.f32Add, ...lane(2), op.f32Add, ...lane(3), op.f32Add],
            ...[op.f64PromoteF32, op.get(r), op.call(coefFunc), op.tee(c), op.f64Const0, op.f64Ne],
            // A row whose coefficient is 0 adds nothing: skip its half of the work.
            op.if,
            ...[op.get(c), op.f32DemoteF64, op.f32x4Splat, op.set(g), op.i32Const(0), op.set(k)],
            op.loop,
            ...[0, 16, 32, 48].flatMap((offset) => [
              ...[...at(acc), ...at(acc), op.v128LoadAt(offset), op.get(g), ...at(p), op.v128LoadAt(offset)],
              ...[op.f32x4Mul, op.f32x4Add, op.v128StoreAt(offset)],
            ]),
            ...[op.get(k), op.i32Const(64), op.i32Add, op.tee(k), op.get(dim), op.i32LtU, op.brIf(0)],
            op.end,
            op.end,
            ...[op.get(offsets), op.i32Const(4), op.i32Add, op.set(offsets)],
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

function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(passModule());
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;

/** Rows in WebAssembly memory: [acc: dim floats][w: dim floats][offsets: count int32][count × dim floats]. */
class PassKernel {
  readonly rows: Float32Array<ArrayBuffer>;
  private readonly acc: Float32Array;
  private readonly w: Float32Array;
  private readonly offsets: Int32Array;
  private coefficient: RowCoefficient = () => 0;
  private readonly pass: (
    x: number,
    offsets: number,
    rows: number,
    dim: number,
    w: number,
    acc: number,
  ) => void;

  constructor(
    module: WebAssembly.Module,
    readonly count: number,
    readonly dim: number,
  ) {
    // Rows start on a 16-byte boundary, where the vector loads are fastest.
    const rowsAt = Math.ceil((2 * dim * 4 + count * 4) / 16) * 16;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((rowsAt + count * dim * 4) / PAGE) || 1 });
    const instance = new WebAssembly.Instance(module, {
      env: { memory, coef: (z: number, row: number) => this.coefficient(z, row) },
    });
    this.pass = instance.exports.pass as PassKernel['pass'];
    this.acc = new Float32Array(memory.buffer, 0, dim);
    this.w = new Float32Array(memory.buffer, dim * 4, dim);
    this.offsets = new Int32Array(memory.buffer, 2 * dim * 4, count);
    this.rows = new Float32Array(memory.buffer, rowsAt, count * dim);
  }

  run(
    rows: ArrayLike<number> | null,
    n: number,
    w: ArrayLike<number>,
    coefficient: RowCoefficient,
  ): Float32Array {
    this.acc.fill(0);
    this.w.set(w);
    const rowBytes = this.dim * 4;
    for (let i = 0; i < n; i++) this.offsets[i] = (rows ? (rows[i] as number) : i) * rowBytes;
    this.coefficient = coefficient;
    try {
      if (n > 0) {
        this.pass(
          this.rows.byteOffset,
          this.offsets.byteOffset,
          n,
          rowBytes,
          this.w.byteOffset,
          this.acc.byteOffset,
        );
      }
    } finally {
      this.coefficient = () => 0;
    }
    return this.acc;
  }
}

const kernels = new WeakMap<ArrayBufferLike, PassKernel>();

/** Room for `count` rows of `dim` floats, where the SIMD pass reads them when it can run, else a plain array. */
export function allocateFloat32Rows(count: number, dim: number): Float32Array<ArrayBuffer> {
  const module = dim % 16 === 0 && count > 0 ? kernelModule() : null;
  if (module && (count + 2) * dim * 4 + count * 4 + 16 <= MAX_BYTES) {
    try {
      const kernel = new PassKernel(module, count, dim);
      kernels.set(kernel.rows.buffer, kernel);
      return kernel.rows;
    } catch {
      // No block that large: a plain array, and the JavaScript pass.
    }
  }
  return new Float32Array(count * dim);
}

/** Whether `rows` (from allocateFloat32Rows) is read by the SIMD pass. */
export function passUsesSimd(rows: Float32Array): boolean {
  const kernel = kernels.get(rows.buffer);
  return kernel !== undefined && rows.byteOffset === kernel.rows.byteOffset;
}

/**
 * Σ_i coefficient(x_{rows[i]}·w, i)·x_{rows[i]} for i < n (w as float32 in the SIMD pass, as given in JavaScript) (rows null: the first n rows of x), as `d` floats;
 * the coefficient is asked in that order. The answer may be the kernel's buffer: read it before the next
 * pass over the same x.
 */
export function weightedRowPass(
  x: Float32Array,
  d: number,
  rows: ArrayLike<number> | null,
  n: number,
  w: ArrayLike<number>,
  coefficient: RowCoefficient,
): Float32Array {
  // The kernel reads memory by these offsets: a bad index must fail here, not read another row's floats.
  const stored = Math.floor(x.length / d);
  for (let i = 0; i < n; i++) {
    const row = rows ? (rows[i] as number) : i;
    if (!Number.isInteger(row) || row < 0 || row >= stored) {
      throw new RangeError(`row ${row} is not one of the ${stored} rows`);
    }
  }
  const kernel = kernels.get(x.buffer);
  if (kernel && x.byteOffset === kernel.rows.byteOffset && d === kernel.dim && n <= kernel.count) {
    return kernel.run(rows, n, w, coefficient);
  }
  return passInJavaScript(x, d, rows, n, w, coefficient);
}

/** The same pass without SIMD: each row's term added while the row is still in the cache from its dot product. */
export function passInJavaScript(
  x: Float32Array,
  d: number,
  rows: ArrayLike<number> | null,
  n: number,
  w: ArrayLike<number>,
  coefficient: RowCoefficient,
): Float32Array {
  const acc = new Float32Array(d);
  for (let i = 0; i < n; i++) {
    const o = (rows ? (rows[i] as number) : i) * d;
    const c = coefficient(rowDot(x, o, w, d), i);
    if (c === 0) continue;
    for (let k = 0; k < d; k++) acc[k] = (acc[k] as number) + c * (x[o + k] as number);
  }
  return acc;
}

/** x_row · w with four accumulators (lets V8 overlap the multiplies). */
export function rowDot(x: Float32Array, offset: number, w: ArrayLike<number>, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const tail = d - (d % 4);
  for (let k = 0; k < tail; k += 4) {
    s0 += (x[offset + k] as number) * (w[k] as number);
    s1 += (x[offset + k + 1] as number) * (w[k + 1] as number);
    s2 += (x[offset + k + 2] as number) * (w[k + 2] as number);
    s3 += (x[offset + k + 3] as number) * (w[k + 3] as number);
  }
  for (let k = tail; k < d; k++) s0 += (x[offset + k] as number) * (w[k] as number);
  return s0 + s1 + s2 + s3;
}
