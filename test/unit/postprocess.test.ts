// Unit tests (engine process code) for softmax and top-k selection.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { softmax, topK } from '../../src-main/engine/classify/postprocess.js';
import type { ClassLabel } from '../../src-main/shared/results.js';

const labels = (n: number): ClassLabel[] =>
  Array.from({ length: n }, (_, i) => ({ wnid: `n${String(i).padStart(8, '0')}`, name: `class ${i}` }));

const sum = (values: ArrayLike<number>): number => Array.from(values).reduce((a, b) => a + b, 0);

describe('softmax', () => {
  it('sums to 1 and preserves order', () => {
    const probs = softmax([1, 2, 3]);
    expect(sum(probs)).toBeCloseTo(1, 12);
    expect(probs[2]).toBeGreaterThan(probs[1] ?? 1);
    expect(probs[0]).toBeCloseTo(Math.exp(1) / (Math.exp(1) + Math.exp(2) + Math.exp(3)), 12);
  });

  it('is stable for huge logits', () => {
    const probs = softmax(new Float32Array([1000, -1000, 1000, 999]));
    expect(Array.from(probs).every(Number.isFinite)).toBe(true);
    expect(sum(probs)).toBeCloseTo(1, 12);
    expect(probs[0]).toBeCloseTo(probs[2] ?? 0, 12);
    expect(probs[1]).toBe(0);
    expect(Array.from(softmax([-1000, -1000]))).toEqual([0.5, 0.5]);
  });

  it('reads a row of a batched [N,K] output', () => {
    const batch = new Float32Array([0, 0, 5, 1, 2, 3]);
    expect(Array.from(softmax(batch, 3, 3))).toEqual(Array.from(softmax([1, 2, 3])));
    expect(softmax(batch, 3)).toHaveLength(3);
    expect(() => softmax(batch, 4, 3)).toThrow(RangeError);
    expect(() => softmax(batch, 0, 0)).toThrow(RangeError);
  });

  it('rejects NaN and handles infinities', () => {
    expect(() => softmax([0, Number.NaN])).toThrow(/NaN/);
    expect(Array.from(softmax([Infinity, 0, Infinity]))).toEqual([0.5, 0, 0.5]);
  });

  it('always sums to 1 for finite float32 logits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 50 }),
        (xs) => {
          const probs = softmax(new Float32Array(xs));
          expect(sum(probs)).toBeCloseTo(1, 9);
          for (const p of probs) expect(p >= 0 && p <= 1).toBe(true);
        },
      ),
    );
  });
});

describe('topK', () => {
  it('orders by score, then by index on ties', () => {
    const probs = [0.1, 0.3, 0.05, 0.3, 0.25];
    expect(topK(probs, 3, labels(5))).toEqual([
      { index: 1, label: 'class 1', wnid: 'n00000001', score: 0.3 },
      { index: 3, label: 'class 3', wnid: 'n00000003', score: 0.3 },
      { index: 4, label: 'class 4', wnid: 'n00000004', score: 0.25 },
    ]);
  });

  it('filters by threshold and clips k', () => {
    const probs = new Float64Array([0.1, 0.5, 0.4]);
    expect(topK(probs, 10, labels(3)).map((p) => p.index)).toEqual([1, 2, 0]);
    expect(topK(probs, 10, labels(3), 0.4).map((p) => p.index)).toEqual([1, 2]);
    expect(topK(probs, 10, labels(3), 0.6)).toEqual([]);
    expect(topK(probs, 0, labels(3))).toEqual([]);
  });

  it('matches a full stable sort', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(0, 0.1, 0.2, 0.25, 0.5, 1), { minLength: 1, maxLength: 40 }),
        fc.nat(45),
        fc.constantFrom(0, 0.2, 0.5),
        (probs, k, threshold) => {
          const expected = probs
            .map((score, index) => ({ score, index }))
            .filter((p) => p.score >= threshold)
            .sort((a, b) => b.score - a.score || a.index - b.index)
            .slice(0, k)
            .map((p) => p.index);
          expect(topK(probs, k, labels(probs.length), threshold).map((p) => p.index)).toEqual(expected);
        },
      ),
    );
  });

  it('rejects a label set that does not match the model', () => {
    expect(() => topK([0.5, 0.5], 1, labels(3))).toThrow(/3 classes but the model outputs 2/);
    expect(() => topK([1], -1, labels(1))).toThrow(RangeError);
    expect(() => topK([1], 1.5, labels(1))).toThrow(RangeError);
  });
});
