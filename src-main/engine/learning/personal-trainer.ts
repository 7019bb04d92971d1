// Training one personal tag (engine): class-balanced logistic regression on embeddings, cross-validated, with a calibrated score.

import { decisionValues, sigmoid, trainLogistic, type LinearModel } from './logistic-regression.js';

/** A tag is learned once the user has put it on this many photos. */
export const MIN_POSITIVES = 5;
/** L2 strength for unit-length features: strong enough that 5 examples do not overfit, weak enough to learn. */
export const LAMBDA = 1e-3;

/**
 * Cross-validation runs on at most this many examples (a stratified, evenly spread sample): its figures
 * and calibration settle long before, and five extra fits on 10,000 photos would take seconds.
 */
export const CV_SAMPLE = 1000;
/**
 * Examples a tag trains on: at most this many positives and as many negatives, evenly spread over them.
 * A linear classifier on a few thousand features has learned what it can by then (class balancing weighs
 * the two sides equally anyway); each example more costs a pass over 2,048 floats per optimiser step.
 */
export const MAX_PER_SIDE = 1500;

/** Labelled features: `x` holds rows of `d` floats; examples name rows. */
export interface TagExamples {
  tag: string;
  positives: readonly number[];
  negatives: readonly number[];
}

export interface TrainedTag {
  tag: string;
  model: LinearModel;
  /** Platt scaling of the decision value: score = σ(a·(w·x + b) + c). */
  plattA: number;
  plattB: number;
  positives: number;
  negatives: number;
  /** Out-of-fold precision and recall at a calibrated score of 0.5; null when too few examples to tell. */
  cvPrecision: number | null;
  cvRecall: number | null;
}

/** The calibrated probability that a photo with decision value `z` has the tag. */
export function calibrated(trained: Pick<TrainedTag, 'plattA' | 'plattB'>, z: number): number {
  return sigmoid(trained.plattA * z + trained.plattB);
}

/**
 * Trains the tag on all its examples; the score's calibration and the quality figures come from k-fold
 * cross-validation (k = up to 5, stratified), so they describe photos the classifier has not seen.
 * Class-balanced: positives and negatives weigh the same in total, however many of each there are.
 */
export function trainTag(x: Float32Array, d: number, all: TagExamples): TrainedTag {
  const examples = {
    ...all,
    positives: spread(all.positives, MAX_PER_SIDE),
    negatives: spread(all.negatives, MAX_PER_SIDE),
  };
  const full = fit(
    x,
    d,
    [...examples.positives, ...examples.negatives],
    Uint8Array.from([...examples.positives, ...examples.negatives], (_, i) =>
      i < examples.positives.length ? 1 : 0,
    ),
  );
  const half = CV_SAMPLE / 2;
  const cvPositives = spread(examples.positives, Math.max(half, CV_SAMPLE - examples.negatives.length));
  const cvNegatives = spread(examples.negatives, Math.max(half, CV_SAMPLE - cvPositives.length));
  const rows = [...cvPositives, ...cvNegatives];
  const labels = Uint8Array.from(rows, (_, i) => (i < cvPositives.length ? 1 : 0));
  const folds = Math.min(5, cvPositives.length, cvNegatives.length);
  if (folds < 2) {
    return { ...summary(examples, full), plattA: 1, plattB: 0, cvPrecision: null, cvRecall: null };
  }
  // Stratified: positives and negatives dealt round-robin to the folds.
  const fold = new Int32Array(rows.length);
  let p = 0;
  let n = 0;
  labels.forEach((label, i) => (fold[i] = label === 1 ? p++ % folds : n++ % folds));
  const outOfFold = new Float64Array(rows.length);
  for (let k = 0; k < folds; k++) {
    const trainIdx: number[] = [];
    const testIdx: number[] = [];
    fold.forEach((f, i) => (f === k ? testIdx : trainIdx).push(i));
    // Started from zeros, not from the full solution: that one has seen the held-out photos, and an
    // optimiser stopping near it would carry that knowledge into the out-of-fold scores.
    const model = fit(
      x,
      d,
      trainIdx.map((i) => rows[i] as number),
      Uint8Array.from(trainIdx, (i) => labels[i] as number),
    );
    const z = decisionValues(
      model,
      x,
      testIdx.length,
      d,
      testIdx.map((i) => rows[i] as number),
    );
    testIdx.forEach((i, j) => (outOfFold[i] = z[j] as number));
  }
  const platt = fitPlatt(outOfFold, labels);
  let tp = 0;
  let fp = 0;
  outOfFold.forEach((z, i) => {
    if (calibrated(platt, z) < 0.5) return;
    if (labels[i] === 1) tp++;
    else fp++;
  });
  return {
    ...summary(examples, full),
    ...platt,
    cvPrecision: tp + fp > 0 ? tp / (tp + fp) : null,
    cvRecall: tp / cvPositives.length,
  };
}

function summary(examples: TagExamples, model: LinearModel) {
  return {
    tag: examples.tag,
    model,
    positives: examples.positives.length,
    negatives: examples.negatives.length,
  };
}

function fit(x: Float32Array, d: number, rows: readonly number[], labels: Uint8Array): LinearModel {
  return trainLogistic(
    {
      x,
      rows: Int32Array.from(rows),
      n: rows.length,
      d,
      y: labels,
      sampleWeights: balancedWeights(labels),
      lambda: LAMBDA,
    },
    // 1e-4 on the largest gradient entry: the scores it changes are far below what calibration resolves.
    { tolerance: 1e-4 },
  );
}

/** Platt scaling: a one-feature logistic regression on out-of-fold decision values, class-balanced. */
function fitPlatt(values: Float64Array, labels: Uint8Array): { plattA: number; plattB: number } {
  const model = trainLogistic({
    x: Float32Array.from(values),
    n: values.length,
    d: 1,
    y: labels,
    sampleWeights: balancedWeights(labels),
    lambda: 1e-6,
  });
  const a = model.weights[0] ?? 1;
  // A slope ≤ 0 means the classifier ranks no better than chance: keep the raw score's order.
  return a > 0 ? { plattA: a, plattB: model.bias } : { plattA: 1, plattB: 0 };
}

/** At most `count` of `rows`, evenly spread (deterministic: the same decisions train the same classifier). */
export function spread(rows: readonly number[], count: number): readonly number[] {
  if (rows.length <= count) return rows;
  return Array.from({ length: count }, (_, i) => rows[Math.floor((i * rows.length) / count)] as number);
}

function balancedWeights(labels: Uint8Array): Float64Array {
  let positives = 0;
  for (const l of labels) positives += l;
  const negatives = labels.length - positives;
  return Float64Array.from(labels, (l) =>
    l === 1 ? labels.length / (2 * Math.max(1, positives)) : labels.length / (2 * Math.max(1, negatives)),
  );
}
