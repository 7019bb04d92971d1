// L2-regularised, weighted logistic regression trained with L-BFGS over Float32Array rows (engine): the personal-tag classifier.

import { rowDot, weightedRowPass } from '../simd/weighted-row-pass.js';

/** A linear classifier: score = σ(w·x + b). */
export interface LinearModel {
  weights: Float32Array;
  bias: number;
}

export interface LogisticProblem {
  /** Rows of d features, row-major (memory from allocateFloat32Rows makes the passes SIMD). */
  x: Float32Array;
  /** The n examples' rows of x, in example order; absent: the first n rows. */
  rows?: Int32Array;
  n: number;
  d: number;
  /** 1 for a positive example, 0 for a negative one. */
  y: Uint8Array;
  /** Per-example weight (class balancing); all 1 when absent. */
  sampleWeights?: Float64Array;
  /** L2 penalty on the weights (not the bias): (λ/2)·|w|². */
  lambda: number;
}

export interface TrainOptions {
  /** Where to start (a solution of a similar problem converges in a few steps): all zeros by default. */
  initial?: LinearModel;
  maxIterations?: number;
  /** Stop when the largest gradient entry is below this. */
  tolerance?: number;
}

/**
 * Minimises (1/Σc)·Σ c_i·log(1 + exp(−s_i·(w·x_i + b))) + (λ/2)|w|² with s_i = ±1. Why L-BFGS: the problem is
 * smooth and strictly convex, so a quasi-Newton method reaches the optimum in tens of passes where
 * gradient descent needs thousands, and it needs no step size tuned to the data.
 */
export function trainLogistic(problem: LogisticProblem, options: TrainOptions = {}): LinearModel {
  const { d } = problem;
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-5;
  const size = d + 1;
  const memory = 8;
  // Optimised in centred coordinates: z = w·(x − mean) + b'. The same models (b = b' − w·mean), but
  // ResNet features are all ≥ 0, so uncentred their shared mean direction couples every weight to the
  // bias, and the optimiser zigzags along that one steep valley for several extra passes.
  const mean = rowMean(problem);
  let theta = new Float64Array(size);
  if (options.initial && options.initial.weights.length === d) {
    theta.set(options.initial.weights);
    theta[d] = options.initial.bias + dotF(options.initial.weights, mean);
  }
  let grad = new Float64Array(size);
  // Each example's decision value at theta: what the curvature along a new direction is computed from.
  let margins = new Float64Array(problem.n);
  let loss = lossAndGradient(problem, mean, theta, grad, margins);
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  const direction = new Float64Array(size);
  const alphas = new Float64Array(memory);
  for (let iter = 0; iter < maxIterations; iter++) {
    if (maxAbs(grad) < tolerance) break;
    // Two-loop recursion: direction = −H·grad.
    direction.set(grad);
    for (let k = sList.length - 1; k >= 0; k--) {
      const a = (rhoList[k] as number) * dot(sList[k] as Float64Array, direction);
      alphas[k] = a;
      axpy(-a, yList[k] as Float64Array, direction);
    }
    const last = sList.length - 1;
    const gamma =
      last >= 0
        ? dot(sList[last] as Float64Array, yList[last] as Float64Array) /
          dot(yList[last] as Float64Array, yList[last] as Float64Array)
        : 1 / Math.max(1, maxAbs(grad));
    for (let i = 0; i < size; i++) direction[i] = (direction[i] as number) * gamma;
    for (let k = 0; k < sList.length; k++) {
      const b = (rhoList[k] as number) * dot(yList[k] as Float64Array, direction);
      axpy((alphas[k] as number) - b, sList[k] as Float64Array, direction);
    }
    for (let i = 0; i < size; i++) direction[i] = -(direction[i] as number);
    let slope = dot(grad, direction);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sList.length = 0;
      yList.length = 0;
      rhoList.length = 0;
      for (let i = 0; i < size; i++) direction[i] = -(grad[i] as number);
      slope = dot(grad, direction);
    }
    // Backtracking (Armijo) line search. The unit step is the usual answer once the memory is warm; without
    // memory (the first step, a restart) the gradient's length says nothing about the step, so the first try
    // is the minimum of the objective's quadratic model along the direction (one pass for its curvature),
    // where a unit step would creep or overshoot and cost several passes more.
    let step = 1;
    if (sList.length === 0) {
      const curvature = curvatureAlong(problem, mean, direction, margins);
      if (curvature > 0 && Number.isFinite(curvature)) step = -slope / curvature;
    }
    const next = new Float64Array(size);
    const nextGrad = new Float64Array(size);
    const nextMargins = new Float64Array(problem.n);
    let nextLoss = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      for (let i = 0; i < size; i++) next[i] = (theta[i] as number) + step * (direction[i] as number);
      nextLoss = lossAndGradient(problem, mean, next, nextGrad, nextMargins);
      if (nextLoss <= loss + 1e-4 * step * slope) break;
      // The minimum of the parabola through the loss here, its slope and the loss at the rejected step,
      // kept between a tenth and a half of that step.
      const excess = nextLoss - loss - slope * step;
      const fitted = Number.isFinite(excess) && excess > 0 ? (-slope * step * step) / (2 * excess) : step / 2;
      step = Math.min(step / 2, Math.max(step / 10, fitted));
    }
    if (!(nextLoss < loss) && !(nextLoss <= loss)) break;
    const s = new Float64Array(size);
    const yv = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      s[i] = (next[i] as number) - (theta[i] as number);
      yv[i] = (nextGrad[i] as number) - (grad[i] as number);
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      sList.push(s);
      yList.push(yv);
      rhoList.push(1 / sy);
      if (sList.length > memory) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
    }
    const improvement = loss - nextLoss;
    theta = next;
    grad = nextGrad;
    margins = nextMargins;
    loss = nextLoss;
    if (improvement <= 1e-12 * Math.max(1, Math.abs(loss))) break;
  }
  return {
    weights: Float32Array.from(theta.subarray(0, d)),
    bias: (theta[d] as number) - dotF(theta.subarray(0, d), mean),
  };
}

/** w·x + b for the first n rows of x, or for rows[0..n) (the decision values). */
export function decisionValues(
  model: LinearModel,
  x: Float32Array,
  n: number,
  d: number,
  rows?: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(n);
  const w = model.weights;
  for (let i = 0; i < n; i++) out[i] = rowDot(x, (rows ? (rows[i] as number) : i) * d, w, d) + model.bias;
  return out;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * dᵀ·H·d, the objective's second derivative along `direction` at the point whose decision values are
 * `margins`: (1/Σc)·Σ c_i·σ(z_i)(1 − σ(z_i))·(x_i·d_w + d_b)² + λ|d_w|². One pass of dot products.
 */
function curvatureAlong(
  problem: LogisticProblem,
  mean: Float32Array,
  direction: Float64Array,
  margins: Float64Array,
): number {
  const { x, rows, n, d, sampleWeights, lambda } = problem;
  const dw = direction.subarray(0, d);
  const db = (direction[d] as number) - dotF(dw, mean);
  let weightSum = 0;
  let sum = 0;
  weightedRowPass(x, d, rows ?? null, n, dw, (along, r) => {
    const c = sampleWeights ? (sampleWeights[r] as number) : 1;
    const p = sigmoid(margins[r] as number);
    const t = along + db;
    weightSum += c;
    sum += c * p * (1 - p) * t * t;
    return 0;
  });
  let penalty = 0;
  for (let k = 0; k < d; k++) penalty += (dw[k] as number) * (dw[k] as number);
  return (weightSum > 0 ? sum / weightSum : 0) + lambda * penalty;
}

/**
 * The objective at theta = [w, b]; writes its gradient into grad. One pass over the rows (SIMD where it
 * runs: see weighted-row-pass), each row's loss and gradient coefficient computed here from its w·x.
 */
function lossAndGradient(
  problem: LogisticProblem,
  mean: Float32Array,
  theta: Float64Array,
  grad: Float64Array,
  margins: Float64Array,
): number {
  const { x, rows, n, d, y, sampleWeights, lambda } = problem;
  const w = theta.subarray(0, d);
  const b = (theta[d] as number) - dotF(w, mean);
  let weightSum = 0;
  for (let r = 0; r < n; r++) weightSum += sampleWeights ? (sampleWeights[r] as number) : 1;
  const inv = weightSum > 0 ? 1 / weightSum : 0;
  let total = 0;
  let gb = 0;
  const acc = weightedRowPass(x, d, rows ?? null, n, w, (dotNoBias, r) => {
    const c = sampleWeights ? (sampleWeights[r] as number) : 1;
    const z = dotNoBias + b;
    margins[r] = z;
    const positive = y[r] === 1;
    // log(1 + e^{−m}) with margin m = ±z, computed without overflow.
    const m = positive ? z : -z;
    total += c * (m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m)));
    const g = c * inv * (sigmoid(z) - (positive ? 1 : 0));
    gb += g;
    return g;
  });
  let penalty = 0;
  for (let k = 0; k < d; k++) {
    const wk = theta[k] as number;
    penalty += wk * wk;
    grad[k] = (acc[k] as number) - gb * (mean[k] as number) + lambda * wk;
  }
  grad[d] = gb;
  return total * inv + 0.5 * lambda * penalty;
}

/** The mean of the problem's rows (one pass: each row added with coefficient 1/n). */
function rowMean(problem: LogisticProblem): Float32Array {
  const { x, rows, n, d } = problem;
  if (n === 0) return new Float32Array(d);
  return Float32Array.from(weightedRowPass(x, d, rows ?? null, n, new Float32Array(d), () => 1 / n));
}

function dotF(a: ArrayLike<number>, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] = (y[i] as number) + alpha * (x[i] as number);
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}
