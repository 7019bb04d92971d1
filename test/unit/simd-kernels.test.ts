// SIMD kernels (test): the WebAssembly int8 dot products and float gradient pass give what the plain JavaScript loops give, on awkward inputs too.
import { describe, expect, it } from 'vitest';
import {
  allocateInt8Rows,
  dotsInJavaScript,
  dotsWithQuery,
  usesSimd,
} from '../../src-main/engine/simd/int8-dots.js';
import { sleb, uleb } from '../../src-main/engine/simd/wasm-module.js';
import {
  allocateFloat32Rows,
  passInJavaScript,
  passUsesSimd,
  weightedRowPass,
} from '../../src-main/engine/simd/weighted-row-pass.js';

/** Deterministic values in [-1, 1). */
function wave(i: number): number {
  return Math.sin(i * 12.9898 + 78.233) * 0.999;
}

describe('wasm-module', () => {
  it('writes LEB128 the way the WebAssembly spec does', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(186)).toEqual([0xba, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });
});

describe('int8 dot products', () => {
  it('match the JavaScript sums exactly, including the extremes of int8', () => {
    const rows = 300;
    const dim = 2048;
    const vectors = allocateInt8Rows(rows, dim);
    expect(usesSimd(vectors)).toBe(true);
    for (let i = 0; i < vectors.length; i++) vectors[i] = Math.round(wave(i) * 127.5 - 0.5);
    // Row 7 at the extremes: −128 · −128 · 2048 is the largest sum there can be.
    vectors.fill(-128, 7 * dim, 8 * dim);
    for (const queryRow of [0, 7, 299]) {
      const query = vectors.slice(queryRow * dim, (queryRow + 1) * dim);
      const expected = dotsInJavaScript(vectors, dim, rows, query);
      const got = dotsWithQuery(vectors, dim, rows, query);
      expect(Array.from(got.subarray(0, rows))).toEqual(Array.from(expected));
    }
    const extreme = vectors.slice(7 * dim, 8 * dim);
    expect(dotsWithQuery(vectors, dim, rows, extreme)[7]).toBe(128 * 128 * dim);
  });

  it('start at a later row, and leave rows past the ones asked for alone', () => {
    const dim = 32;
    const vectors = allocateInt8Rows(50, dim);
    for (let i = 0; i < vectors.length; i++) vectors[i] = Math.round(wave(i + 3) * 100);
    const query = vectors.slice(0, dim);
    const expected = dotsInJavaScript(vectors, dim, 50, query);
    const got = dotsWithQuery(vectors, dim, 40, query, 11);
    expect(Array.from(got.subarray(11, 40))).toEqual(Array.from(expected.subarray(11, 40)));
  });

  it('fall back to JavaScript for a width the kernel does not take, with the same answer', () => {
    const dim = 20;
    const vectors = allocateInt8Rows(10, dim);
    expect(usesSimd(vectors)).toBe(false);
    for (let i = 0; i < vectors.length; i++) vectors[i] = Math.round(wave(i) * 90);
    const query = vectors.slice(dim, 2 * dim);
    let manual = 0;
    for (let k = 0; k < dim; k++) manual += (vectors[3 * dim + k] as number) * (query[k] as number);
    expect(dotsWithQuery(vectors, dim, 10, query)[3]).toBe(manual);
  });
});

describe('weighted row pass', () => {
  it('gives the JavaScript pass its sums and asks the coefficient of each named row, in order', () => {
    const count = 64;
    const dim = 48;
    const x = allocateFloat32Rows(count, dim);
    expect(passUsesSimd(x)).toBe(true);
    for (let i = 0; i < x.length; i++) x[i] = wave(i);
    const w = Float32Array.from({ length: dim }, (_, k) => wave(k * 7 + 1));
    // Rows out of order, one twice, one left out.
    const rows = Int32Array.from([5, 63, 0, 5, 17, 40, 2]);
    const seen: { i: number; dot: number }[] = [];
    const coefficient = (dot: number, i: number) => {
      seen.push({ i, dot });
      return i === 4 ? 0 : Math.tanh(dot) + 0.25 * i;
    };
    const simd = Float32Array.from(weightedRowPass(x, dim, rows, rows.length, w, coefficient));
    const simdSeen = seen.splice(0);
    const plain = passInJavaScript(x, dim, rows, rows.length, w, coefficient);
    expect(simdSeen.map((s) => s.i)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    simdSeen.forEach((s, j) => expect(s.dot).toBeCloseTo(seen[j]?.dot ?? NaN, 4));
    simd.forEach((v, k) => expect(v).toBeCloseTo(plain[k] ?? NaN, 4));
    // And by hand for one coordinate.
    let manual = 0;
    simdSeen.forEach((s, j) => {
      const c = s.i === 4 ? 0 : Math.tanh(s.dot) + 0.25 * s.i;
      manual += c * (x[(rows[j] as number) * dim + 9] as number);
    });
    expect(simd[9]).toBeCloseTo(manual, 4);
  });

  it('refuses a row that is not there, in both passes', () => {
    const dim = 16;
    for (const x of [allocateFloat32Rows(4, dim), new Float32Array(4 * dim)]) {
      const w = new Float32Array(dim);
      expect(() => weightedRowPass(x, dim, [0, 4], 2, w, () => 1)).toThrow(RangeError);
      expect(() => weightedRowPass(x, dim, [-1], 1, w, () => 1)).toThrow(RangeError);
      expect(() => weightedRowPass(x, dim, null, 5, w, () => 1)).toThrow(RangeError);
    }
  });

  it('reads the first n rows when no rows are named, and starts each pass from zero', () => {
    const dim = 16;
    const x = allocateFloat32Rows(10, dim);
    x.fill(1);
    const w = new Float32Array(dim).fill(0.5);
    const once = Float32Array.from(weightedRowPass(x, dim, null, 3, w, (dot) => dot));
    const twice = weightedRowPass(x, dim, null, 3, w, (dot) => dot);
    // Each row: dot = 16 · 0.5 = 8, and adds 8 · 1 to every coordinate.
    expect(Array.from(once)).toEqual(new Array<number>(dim).fill(24));
    expect(Array.from(twice)).toEqual(Array.from(once));
  });
});
