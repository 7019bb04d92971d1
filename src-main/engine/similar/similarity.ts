// Similar photos by brute force over the library's int8 embeddings (engine): nearest neighbours of a photo, and groups of near duplicates.

import type { EmbeddingMatrix } from '../library/embeddings-repo.js';
import { dotsWithQuery } from '../simd/int8-dots.js';

export interface Neighbour {
  imageId: number;
  /** Cosine similarity in [-1, 1] (from the stored int8 vectors). */
  similarity: number;
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
  // Exact brute force: at 100,000 photos one pass over the matrix in memory (see `npm run bench`), no index
  // to build, keep in sync or get wrong.
  const dots = dotsWithQuery(matrix.vectors, dim, matrix.ids.length, query);
  // A small sorted list beats sorting 100,000 scores for the usual top of 10–200.
  const best: { row: number; sim: number }[] = [];
  for (let r = 0; r < matrix.ids.length; r++) {
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
  for (let r = 0; r < rows; r++) {
    const scale = matrix.scales[r] as number;
    const dots = dotsWithQuery(
      matrix.vectors,
      dim,
      rows,
      matrix.vectors.subarray(r * dim, (r + 1) * dim),
      r + 1,
    );
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
