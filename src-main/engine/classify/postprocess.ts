// Classifier output post-processing (engine process): softmax over raw logits and top-k selection.

import type { ClassLabel, Prediction } from '../../shared/results.js';

/**
 * Softmax of `logits[offset .. offset+length)`, computed in float64 after subtracting the maximum so
 * that logits like 1000 or -1000 neither overflow nor underflow to all zeros. The model zoo's ResNets
 * output raw logits, so this is always applied.
 * Throws on NaN (a broken model or input); +Infinity logits share all the probability mass.
 */
export function softmax(
  logits: Float32Array | readonly number[],
  offset = 0,
  length = logits.length - offset,
): Float64Array {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 1) {
    throw new RangeError(`softmax: invalid range offset=${offset} length=${length}`);
  }
  if (offset + length > logits.length) {
    throw new RangeError(`softmax: range ${offset}+${length} exceeds ${logits.length} logits`);
  }
  let max = -Infinity;
  for (let i = 0; i < length; i += 1) {
    const value = logits[offset + i] as number;
    if (Number.isNaN(value)) throw new Error(`softmax: logit ${i} is NaN`);
    if (value > max) max = value;
  }
  const probs = new Float64Array(length);
  if (max === Infinity || max === -Infinity) {
    // exp(x - max) is NaN here; the limit is uniform over the maximal entries.
    let count = 0;
    for (let i = 0; i < length; i += 1) if (logits[offset + i] === max) count += 1;
    for (let i = 0; i < length; i += 1) probs[i] = logits[offset + i] === max ? 1 / count : 0;
    return probs;
  }
  let sum = 0;
  for (let i = 0; i < length; i += 1) {
    const e = Math.exp((logits[offset + i] as number) - max);
    probs[i] = e;
    sum += e;
  }
  // sum >= 1 because the maximum contributes exp(0).
  for (let i = 0; i < length; i += 1) probs[i] = (probs[i] as number) / sum;
  return probs;
}

/**
 * The `k` most probable classes with score >= `threshold`, best first; ties keep the lower index first
 * so results are reproducible. `k` larger than the class count returns every qualifying class.
 */
export function topK(
  probs: ArrayLike<number>,
  k: number,
  labels: readonly ClassLabel[],
  threshold = 0,
): Prediction[] {
  const classCount = probs.length;
  if (labels.length !== classCount) {
    throw new Error(
      `The label set has ${labels.length} classes but the model outputs ${classCount}; use the label file that belongs to this model`,
    );
  }
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`topK: k must be a non-negative integer, got ${k}`);
  if (Number.isNaN(threshold)) throw new RangeError('topK: threshold is NaN');
  const limit = Math.min(k, classCount);

  // Insertion into a short sorted list: O(K·k) with k ≈ 5 beats sorting all K classes.
  const best: number[] = [];
  for (let i = 0; i < classCount && limit > 0; i += 1) {
    const score = probs[i] as number;
    // NaN fails this comparison too, so it is never reported.
    if (!(score >= threshold)) continue;
    if (best.length === limit && !(score > (probs[best[limit - 1] as number] as number))) continue;
    let at = best.length;
    while (at > 0 && score > (probs[best[at - 1] as number] as number)) at -= 1;
    best.splice(at, 0, i);
    if (best.length > limit) best.pop();
  }

  return best.map((index) => {
    const label = labels[index] as ClassLabel;
    return { index, label: label.name, wnid: label.wnid, score: probs[index] as number };
  });
}
