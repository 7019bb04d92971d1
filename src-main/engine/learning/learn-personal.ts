// Learning the user's own tags (engine): decisions → examples → one classifier per tag → suggestions on every photo.

import { asInt8 } from '../../shared/embedding-codec.js';
import { allocateFloat32Rows } from '../simd/weighted-row-pass.js';
import type { EmbeddingMatrix } from '../library/embeddings-repo.js';
import type { Library } from '../library/library.js';
import type { Decision, StoredClassifier } from '../library/personal-repo.js';
import type { TaggingRules } from '../tagging/tag-rules.js';
import { PersonalScorer } from './personal-scorer.js';
import { MAX_PER_SIDE, MIN_POSITIVES, spread, trainTag, type TagExamples } from './personal-trainer.js';

export interface LearnOptions {
  /** Train even when no decision changed since the last training. */
  force?: boolean;
  rules?: TaggingRules | null;
  /**
   * Awaited between steps (after loading the embeddings, after each tag, after each 1,000 photos scored):
   * in the app's service it lets requests in, so the window never waits for a whole training; it may throw
   * to stop (the service closing), which leaves the last complete training standing.
   */
  pause?: () => Promise<void>;
}

export interface LearnReport {
  /** False when nothing changed since the last training (the stored classifiers stand). */
  trained: boolean;
  classifiers: StoredClassifier[];
  /** Tags the user used on fewer than MIN_POSITIVES photos: not learned yet. */
  tooFew: { tag: string; positives: number }[];
  /** Photos now carrying at least one personal suggestion; null when nothing was retrained. */
  suggestedPhotos: number | null;
  trainSeconds: number;
  seconds: number;
}

/**
 * Trains a classifier for every personal tag with enough examples, stores them, and refreshes the personal
 * suggestions of every photo with an embedding from `modelId`. Negatives of a tag: photos where the user
 * rejected it, and photos that carry other personal tags but not this one (one-vs-rest). A tag with
 * fewer than five negatives of either kind also takes unlabelled photos as negatives (up to four per
 * positive): a few of those may truly have the tag, which only makes the classifier more cautious.
 */
export async function learnPersonalTags(
  library: Library,
  modelId: number,
  options: LearnOptions = {},
): Promise<LearnReport> {
  const pause = options.pause ?? (() => Promise.resolve());
  const started = performance.now();
  const fingerprint = library.personal.fingerprint(modelId);
  if (!options.force && library.personal.lastFingerprint(modelId) === fingerprint) {
    // Nothing new to learn from: no matrix to load (100,000 photos take seconds), the classifiers stand.
    return {
      trained: false,
      classifiers: library.personal.classifiers(modelId),
      tooFew: [],
      suggestedPhotos: null,
      trainSeconds: 0,
      seconds: (performance.now() - started) / 1000,
    };
  }
  const matrix = library.embeddings.loadMatrix(modelId);
  const decisions = library.personal.decisions(modelId);
  await pause();
  const examples = examplesFrom(matrix, decisions);
  const tooFew = examples
    .filter((e) => e.positives.length < MIN_POSITIVES)
    .map((e) => ({ tag: e.tag, positives: e.positives.length }));
  const trainStart = performance.now();
  // Each tag trains on at most MAX_PER_SIDE photos a side (the same even spread trainTag takes), so only
  // those are decoded to floats: every labelled photo of a large catalogue would be 800 MB at 100,000.
  const learnable = examples
    .filter((e) => e.positives.length >= MIN_POSITIVES && e.negatives.length > 0)
    .map((e) => ({
      ...e,
      positives: spread(e.positives, MAX_PER_SIDE),
      negatives: spread(e.negatives, MAX_PER_SIDE),
    }));
  const { x, compact } = decodeRows(matrix, learnable);
  const trainedAt = new Date().toISOString();
  const classifiers: StoredClassifier[] = [];
  for (const e of compact) {
    const t = trainTag(x, matrix.dim, e);
    classifiers.push({
      tag: t.tag,
      weights: t.model.weights,
      bias: t.model.bias,
      plattA: t.plattA,
      plattB: t.plattB,
      positives: t.positives,
      negatives: t.negatives,
      cvPrecision: t.cvPrecision,
      cvRecall: t.cvRecall,
      trainedAt,
    });
    await pause();
  }
  library.personal.saveClassifiers(modelId, classifiers);
  const trainSeconds = (performance.now() - trainStart) / 1000;
  const scorer = PersonalScorer.load(library, modelId, options.rules ?? null);
  let suggestedPhotos = 0;
  // Chunks of 1,000 photos per transaction: other readers are never held up for long.
  for (let start = 0; start < matrix.ids.length; start += 1000) {
    library.transaction(() => {
      for (let r = start; r < Math.min(matrix.ids.length, start + 1000); r++) {
        const suggestions = scorer.suggest(rowEmbedding(matrix, r));
        if (suggestions.length > 0) suggestedPhotos++;
        library.personal.setSuggestions(matrix.ids[r] as number, suggestions);
      }
    });
    await pause();
  }
  library.personal.markTrained(modelId, fingerprint);
  return {
    trained: true,
    classifiers: [...scorer.classifiers],
    tooFew,
    suggestedPhotos,
    trainSeconds,
    seconds: (performance.now() - started) / 1000,
  };
}

function rowEmbedding(matrix: EmbeddingMatrix, row: number) {
  const { dim } = matrix;
  const bytes = matrix.vectors.subarray(row * dim, (row + 1) * dim);
  return {
    vector: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    scale: matrix.scales[row] as number,
  };
}

/** Per tag: positive and negative rows of the matrix (see learnPersonalTags for who counts as a negative). */
export function examplesFrom(matrix: EmbeddingMatrix, decisions: readonly Decision[]): TagExamples[] {
  const rowById = new Map<number, number>();
  matrix.ids.forEach((id, row) => rowById.set(id, row));
  const accepted = new Map<string, Set<number>>();
  const rejected = new Map<string, Set<number>>();
  const labelled = new Set<number>();
  for (const d of decisions) {
    const row = rowById.get(d.imageId);
    if (row === undefined) continue;
    const map = d.accepted ? accepted : rejected;
    const set = map.get(d.tag) ?? new Set<number>();
    set.add(row);
    map.set(d.tag, set);
    if (d.accepted) labelled.add(row);
  }
  const unlabelled: number[] = [];
  for (let r = 0; r < matrix.ids.length && unlabelled.length < 20_000; r++) {
    if (!labelled.has(r)) unlabelled.push(r);
  }
  return [...accepted.keys()].sort().map((tag) => {
    const positives = accepted.get(tag) ?? new Set<number>();
    const negatives = new Set<number>([...(rejected.get(tag) ?? [])].filter((r) => !positives.has(r)));
    for (const r of labelled) if (!positives.has(r)) negatives.add(r);
    if (negatives.size < MIN_POSITIVES) {
      // Evenly spread over the unlabelled photos, so the sample does not depend on the id order's clusters.
      const want = Math.min(unlabelled.length, 4 * positives.size);
      for (let i = 0; i < want; i++) {
        const r = unlabelled[Math.floor((i * unlabelled.length) / want)] as number;
        if (!positives.has(r)) negatives.add(r);
      }
    }
    return { tag, positives: [...positives], negatives: [...negatives] };
  });
}

/** The example rows as floats (int8 × scale), and the examples renumbered to index them. */
function decodeRows(
  matrix: EmbeddingMatrix,
  examples: readonly TagExamples[],
): { x: Float32Array; compact: TagExamples[] } {
  const { dim } = matrix;
  const index = new Map<number, number>();
  for (const e of examples)
    for (const r of [...e.positives, ...e.negatives]) if (!index.has(r)) index.set(r, index.size);
  // In memory the SIMD gradient pass reads: every fit names its rows of this one copy.
  const x = allocateFloat32Rows(index.size, dim);
  const v = asInt8(
    new Uint8Array(matrix.vectors.buffer, matrix.vectors.byteOffset, matrix.vectors.byteLength),
  );
  for (const [row, at] of index) {
    const scale = matrix.scales[row] as number;
    for (let k = 0; k < dim; k++) x[at * dim + k] = (v[row * dim + k] as number) * scale;
  }
  const renumber = (rows: readonly number[]) => rows.map((r) => index.get(r) as number);
  return {
    x,
    compact: examples.map((e) => ({
      tag: e.tag,
      positives: renumber(e.positives),
      negatives: renumber(e.negatives),
    })),
  };
}
