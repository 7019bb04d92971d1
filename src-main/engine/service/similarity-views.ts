// Similar photos, near duplicates and personal tags for the app (service process): answers from the library's embeddings, the matrix cached.

import type { RequestOutput } from '../../shared/contract.js';
import { calibrated } from '../learning/personal-trainer.js';
import type { EmbeddingMatrix } from '../library/embeddings-repo.js';
import type { Library } from '../library/library.js';
import { nearDuplicateGroups, nearestTo, rowOf } from '../similar/similarity.js';
import { allocateInt8Rows } from '../simd/int8-dots.js';

/**
 * Near duplicates compare every pair: at this many photos that is already ~2·10⁸ vector products (seconds);
 * beyond it the app says so and points to `skiptag near-duplicates` rather than freeze the service.
 */
export const APP_NEAR_DUPLICATE_LIMIT = 20_000;

const NO_FEATURES =
  'no photo has features for similarity yet: tag photos with a model that has a final linear layer (every ResNet does)';

export class SimilarityViews {
  private cached: { modelId: number; key: string; matrix: EmbeddingMatrix } | null = null;

  constructor(private readonly library: Library) {}

  similar(imageId: number, top: number): RequestOutput<'images:similar'> {
    const source = this.matrix();
    if (!source) return { items: [], off: NO_FEATURES };
    const row = rowOf(source.matrix, this.library.shownHalf(imageId, source.matrix));
    if (row < 0) {
      return {
        items: [],
        off: `this photo has no features from ${source.name} yet: it gets them when tagged again`,
      };
    }
    return { items: nearestTo(source.matrix, row, top), off: null };
  }

  nearDuplicates(minSimilarity: number): RequestOutput<'images:nearDuplicates'> {
    const source = this.matrix();
    if (!source) return { groups: [], off: NO_FEATURES };
    if (source.matrix.ids.length > APP_NEAR_DUPLICATE_LIMIT) {
      return {
        groups: [],
        off: `${source.matrix.ids.length} photos are too many to compare pair by pair here; run "skiptag near-duplicates"`,
      };
    }
    // The grid's id list holds at most 5,000 photos: the largest groups first.
    const groups: number[][] = [];
    let count = 0;
    for (const group of nearDuplicateGroups(source.matrix, minSimilarity)) {
      if (count + group.length > 5000) break;
      groups.push(group);
      count += group.length;
    }
    return { groups, off: null };
  }

  personalTags(): RequestOutput<'personal:list'> {
    const source = this.matrix();
    if (!source) return [];
    return this.library.personal.classifiers(source.modelId).map((c) => ({
      tag: c.tag,
      positives: c.positives,
      negatives: c.negatives,
      precision: c.cvPrecision,
      recall: c.cvRecall,
      trainedAt: c.trainedAt,
    }));
  }

  /**
   * Active learning: photos without a decision on `tag`, those whose calibrated score is nearest 0.5 first —
   * each decision on them teaches the classifier the most.
   */
  leastCertain(tag: string, limit: number): RequestOutput<'personal:leastCertain'> {
    const source = this.matrix();
    if (!source) return { imageIds: [] };
    const classifier = this.library.personal.classifiers(source.modelId).find((c) => c.tag === tag);
    const { matrix } = source;
    if (!classifier || classifier.weights.length !== matrix.dim) return { imageIds: [] };
    const decided = new Set(this.library.personal.decidedImages(tag));
    const scored: { id: number; doubt: number }[] = [];
    for (let r = 0; r < matrix.ids.length; r++) {
      const id = matrix.ids[r] as number;
      if (decided.has(id)) continue;
      let dot = 0;
      const o = r * matrix.dim;
      for (let k = 0; k < matrix.dim; k++)
        dot += (matrix.vectors[o + k] as number) * (classifier.weights[k] as number);
      const p = calibrated(classifier, dot * (matrix.scales[r] as number) + classifier.bias);
      scored.push({ id, doubt: Math.abs(p - 0.5) });
    }
    scored.sort((a, b) => a.doubt - b.doubt || a.id - b.id);
    return { imageIds: scored.slice(0, limit).map((s) => s.id) };
  }

  /** The embeddings of the model most photos have, reloaded only when they changed. */
  private matrix(): { modelId: number; name: string; matrix: EmbeddingMatrix } | null {
    const model = this.library.embeddings.models()[0];
    if (!model) return null;
    // The pair setting decides which half of a RAW+JPEG pair is in the matrix.
    const key = `${this.library.embeddings.version(model.modelId)}|${this.library.pairPrimary}`;
    if (this.cached?.modelId !== model.modelId || this.cached.key !== key) {
      this.cached = {
        modelId: model.modelId,
        key,
        // Rows in the SIMD kernel's memory: each query reads them in place.
        matrix: this.library.similarityMatrix(model.modelId, allocateInt8Rows),
      };
    }
    return { modelId: model.modelId, name: model.name, matrix: this.cached.matrix };
  }
}
