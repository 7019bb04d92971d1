// Similar photos by brute force over the library's int8 embeddings (engine): nearest neighbours of a photo, and groups of near duplicates.

import type { EmbeddingMatrix } from '../library/embeddings-repo.js';

export interface Neighbour {
  imageId: number;
  /** Cosine similarity in [-1, 1] (from the stored int8 vectors). */
  similarity: number;
}

/**
 * Dot products of row `query` (or an outside vector) with every row, as int32 sums. Why exact brute force:
 * at 100,000 photos it is one pass over the matrix in memory (see `npm run bench`), no index to build, keep
 * in sync or get wrong; four accumulators let V8 overlap the multiplies.
 */
function dotAll(matrix: EmbeddingMatrix, query: Int8Array, out: Float64Array, from = 0): void {
  const { vectors, dim } = matrix;
  const rows = matrix.ids.length;
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
}

/** The row of an image in the matrix, or -1. */
export function rowOf(matrix: EmbeddingMatrix, imageId: number): number {
  return matrix.ids.indexOf(imageId);
}

/**
 * The `top` photos most similar to the photo in row `row` (itself left out), best first; ties keep the
 * photo stored first so answers are reproducible.
 */
export function nearestTo(matrix: EmbeddingMatrix, row: number, top: number): Neighbour[] {
  const { dim } = matrix;
  const query = matrix.vectors.subarray(row * dim, (row + 1) * dim);
  const scale = matrix.scales[row] ?? 0;
  const dots = new Float64Array(matrix.ids.length);
  dotAll(matrix, query, dots);
  // A small sorted list beats sorting 100,000 scores for the usual top of 10–200.
  const best: { row: number; sim: number }[] = [];
  for (let r = 0; r < dots.length; r++) {
    if (r === row) continue;
    const sim = (dots[r] as number) * scale * (matrix.scales[r] as number);
    if (best.length === top && sim <= (best[best.length - 1]?.sim ?? -Infinity)) continue;
    let at = best.length;
    while (at > 0 && (best[at - 1]?.sim ?? Infinity) < sim) at--;
    best.splice(at, 0, { row: r, sim });
    if (best.length > top) best.pop();
  }
  return best.map((b) => ({ imageId: matrix.ids[b.row] as number, similarity: clamp(b.sim) }));
}

/**
 * Groups of photos that are near duplicates: linked when their cosine is ≥ minSimilarity (transitively,
 * so a burst of shots forms one group). Groups of two or more, largest first, members by image id.
 * Quadratic in the number of photos: `onProgress` reports rows done.
 */
export function nearDuplicateGroups(
  matrix: EmbeddingMatrix,
  minSimilarity: number,
  onProgress?: (done: number, total: number) => void,
): number[][] {
  const rows = matrix.ids.length;
  const { dim } = matrix;
  const parent = Int32Array.from({ length: rows }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      const up = parent[parent[i] as number] as number;
      parent[i] = up;
      i = up;
    }
    return i;
  };
  const dots = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const scale = matrix.scales[r] as number;
    dotAll(matrix, matrix.vectors.subarray(r * dim, (r + 1) * dim), dots, r + 1);
    for (let c = r + 1; c < rows; c++) {
      if ((dots[c] as number) * scale * (matrix.scales[c] as number) < minSimilarity) continue;
      const a = find(r);
      const b = find(c);
      if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
    }
    if (onProgress && r % 256 === 0) onProgress(r, rows);
  }
  const groups = new Map<number, number[]>();
  for (let r = 0; r < rows; r++) {
    const root = find(r);
    const list = groups.get(root) ?? [];
    list.push(matrix.ids[r] as number);
    groups.set(root, list);
  }
  return [...groups.values()]
    .filter((g) => g.length > 1)
    .map((g) => g.sort((a, b) => a - b))
    .sort((a, b) => b.length - a.length || (a[0] as number) - (b[0] as number));
}

/** int8 rounding can carry a photo's similarity to itself a hair past 1. */
function clamp(value: number): number {
  return Math.max(-1, Math.min(1, value));
}
