// Logistic regression (test): the L-BFGS trainer matches an independent Newton-method reference on a fixed problem.
import { describe, expect, it } from 'vitest';
import {
  decisionValues,
  sigmoid,
  trainLogistic,
} from '../../src-main/engine/learning/logistic-regression.js';
import { trainTag } from '../../src-main/engine/learning/personal-trainer.js';
import { allocateFloat32Rows, passUsesSimd } from '../../src-main/engine/simd/weighted-row-pass.js';

/**
 * A fixed, not separable problem: 40 points, labels from a noisy linear rule (deterministic). In 3-D the
 * JavaScript pass runs; from 16-D, in memory from allocateFloat32Rows, the WebAssembly SIMD pass (the extra
 * features are non-negative, like a ResNet's, with a large shared mean, which centring has to undo).
 */
function fixedProblem(d = 3, x = new Float32Array(40 * d)) {
  const n = 40;
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.sin(i * 1.3);
    const b = Math.cos(i * 0.7);
    const c = Math.sin(i * 0.37 + 1);
    x.set([a, b, c], i * d);
    for (let k = 3; k < d; k++) x[i * d + k] = 0.5 + 0.2 * Math.sin(i * (k + 0.3)) * Math.cos(k);
    y[i] = 0.8 * a - 0.5 * b + 0.3 * c + 0.4 * Math.sin(i * 5.1) > 0.1 ? 1 : 0;
  }
  const weights = Float64Array.from(y, (l) => (l ? 1.5 : 0.75));
  return { x, y, n, d, weights, lambda: 0.05 };
}

/**
 * Reference: Newton's method on the same objective, written out with explicit Hessian and a 4×4 Gaussian
 * elimination, independent of the L-BFGS code.
 */
function newtonReference(p: ReturnType<typeof fixedProblem>): number[] {
  const size = p.d + 1;
  const theta = new Array<number>(size).fill(0);
  const total = p.weights.reduce((a, b) => a + b, 0);
  for (let iter = 0; iter < 50; iter++) {
    const grad = new Array<number>(size).fill(0);
    const hess = Array.from({ length: size }, () => new Array<number>(size).fill(0));
    for (let i = 0; i < p.n; i++) {
      const row = [...p.x.subarray(i * p.d, (i + 1) * p.d), 1];
      const z = row.reduce((s, v, k) => s + v * (theta[k] ?? 0), 0);
      const prob = 1 / (1 + Math.exp(-z));
      const c = (p.weights[i] ?? 0) / total;
      for (let a = 0; a < size; a++) {
        grad[a] = (grad[a] ?? 0) + c * (prob - (p.y[i] ?? 0)) * (row[a] ?? 0);
        for (let b = 0; b < size; b++) {
          const h = hess[a] as number[];
          h[b] = (h[b] ?? 0) + c * prob * (1 - prob) * (row[a] ?? 0) * (row[b] ?? 0);
        }
      }
    }
    for (let k = 0; k < p.d; k++) {
      grad[k] = (grad[k] ?? 0) + p.lambda * (theta[k] ?? 0);
      const h = hess[k] as number[];
      h[k] = (h[k] ?? 0) + p.lambda;
    }
    // Solve hess · step = grad.
    const m = hess.map((r, i) => [...r, grad[i] ?? 0]);
    for (let col = 0; col < size; col++) {
      const pivot = m[col] as number[];
      for (let r = col + 1; r < size; r++) {
        const row = m[r] as number[];
        const f = (row[col] ?? 0) / (pivot[col] ?? 1);
        for (let k = col; k <= size; k++) row[k] = (row[k] ?? 0) - f * (pivot[k] ?? 0);
      }
    }
    const step = new Array<number>(size).fill(0);
    for (let r = size - 1; r >= 0; r--) {
      const row = m[r] as number[];
      let s = row[size] ?? 0;
      for (let k = r + 1; k < size; k++) s -= (row[k] ?? 0) * (step[k] ?? 0);
      step[r] = s / (row[r] ?? 1);
    }
    for (let k = 0; k < size; k++) theta[k] = (theta[k] ?? 0) - (step[k] ?? 0);
  }
  return theta;
}

describe('trainLogistic', () => {
  it('matches the Newton reference solution on a fixed problem', () => {
    const p = fixedProblem();
    const model = trainLogistic(
      {
        x: p.x,
        n: p.n,
        d: p.d,
        y: p.y,
        sampleWeights: p.weights,
        lambda: p.lambda,
      },
      { tolerance: 1e-8 },
    );
    const reference = newtonReference(p);
    [...model.weights].forEach((w, k) => expect(w).toBeCloseTo(reference[k] ?? NaN, 4));
    expect(model.bias).toBeCloseTo(reference[p.d] ?? NaN, 4);
    // And the reference is a real optimum: not the trivial all-zero answer.
    expect(Math.abs(reference[0] ?? 0)).toBeGreaterThan(0.1);
  });

  it('matches the Newton reference in 16-D through the SIMD pass, on rows named out of order', () => {
    const d = 16;
    const p = fixedProblem(d, allocateFloat32Rows(40, d));
    expect(passUsesSimd(p.x)).toBe(true);
    // The same problem with its examples stored in reverse and named through `rows`.
    const stored = allocateFloat32Rows(40, d);
    for (let i = 0; i < 40; i++) stored.set(p.x.subarray(i * d, (i + 1) * d), (39 - i) * d);
    const model = trainLogistic(
      {
        x: stored,
        rows: Int32Array.from({ length: 40 }, (_, i) => 39 - i),
        n: p.n,
        d,
        y: p.y,
        sampleWeights: p.weights,
        lambda: p.lambda,
      },
      { tolerance: 1e-8 },
    );
    const reference = newtonReference(p);
    // Three digits: the SIMD pass multiplies in float32, so the optimum it can find is that precise.
    [...model.weights].forEach((w, k) => expect(w).toBeCloseTo(reference[k] ?? NaN, 3));
    expect(model.bias).toBeCloseTo(reference[d] ?? NaN, 3);
    const z = decisionValues(
      model,
      stored,
      40,
      d,
      Int32Array.from({ length: 40 }, (_, i) => 39 - i),
    );
    const plain = decisionValues(model, p.x, 40, d);
    z.forEach((v, i) => expect(v).toBeCloseTo(plain[i] ?? NaN, 5));
  });

  it('separates two clusters and scores each side on the right side of 0.5', () => {
    const n = 20;
    const x = new Float32Array(n * 2);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const positive = i % 2 === 0;
      x.set(positive ? [1 + 0.1 * Math.sin(i), 0.2] : [0.2, 1 + 0.1 * Math.cos(i)], i * 2);
      y[i] = positive ? 1 : 0;
    }
    const model = trainLogistic({ x, n, d: 2, y, lambda: 1e-3 });
    decisionValues(model, x, n, 2).forEach((z, i) => expect(sigmoid(z) > 0.5).toBe(y[i] === 1));
  });
});

describe('trainTag', () => {
  it('reports cross-validated precision and recall, and a calibrated score that follows the evidence', () => {
    const d = 3;
    const rows: number[][] = [];
    for (let i = 0; i < 10; i++) rows.push([0.9, 0.1 + 0.02 * i, 0.1]); // the tag: reddish
    for (let i = 0; i < 30; i++) rows.push([0.1, 0.2 + 0.02 * (i % 10), 0.9]); // others: bluish
    const x = Float32Array.from(rows.flat());
    const trained = trainTag(x, d, {
      tag: 'cabin',
      positives: rows.slice(0, 10).map((_, i) => i),
      negatives: rows.slice(10).map((_, i) => 10 + i),
    });
    expect(trained.positives).toBe(10);
    expect(trained.negatives).toBe(30);
    expect(trained.cvPrecision).toBe(1);
    expect(trained.cvRecall).toBe(1);
    const z = decisionValues(trained.model, Float32Array.from([0.85, 0.15, 0.12, 0.12, 0.2, 0.85]), 2, d);
    expect(sigmoid(trained.plattA * (z[0] ?? 0) + trained.plattB)).toBeGreaterThan(0.9);
    expect(sigmoid(trained.plattA * (z[1] ?? 0) + trained.plattB)).toBeLessThan(0.1);
  });
});
