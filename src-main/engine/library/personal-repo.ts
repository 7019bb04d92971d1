// Personal tags in the library (engine process): the user's decisions as training examples, learned classifiers, personal suggestions.

import { jsonList, asBuffer, type SqlDb } from './sql-db.js';
import type { ImageChanges } from './commit-feed.js';

/** One decision usable for learning: an image and a tag the user accepted or rejected. */
export interface Decision {
  imageId: number;
  tag: string;
  accepted: boolean;
}

/** A learned personal-tag classifier as stored (weights: D float32 values). */
export interface StoredClassifier {
  tag: string;
  weights: Float32Array;
  bias: number;
  plattA: number;
  plattB: number;
  positives: number;
  negatives: number;
  cvPrecision: number | null;
  cvRecall: number | null;
  trainedAt: string;
}

export class PersonalRepo {
  constructor(
    private readonly db: SqlDb,
    private readonly now: () => string,
    private readonly changes: ImageChanges,
  ) {}

  /**
   * The user's own vocabulary for photos that have an embedding from `modelId` and are present: tags they
   * added or accepted (keywords imported from other tools are accepted user tags), and every rejection.
   * Accepted ImageNet suggestions are left out: the model already knows those classes.
   */
  decisions(modelId: number): Decision[] {
    return this.db
      .all<{ image_id: number; tag: string; state: string }>(
        `SELECT t.image_id, t.tag, t.state FROM tags t
         JOIN embeddings e ON e.image_id = t.image_id AND e.model_id = :model_id
         JOIN images i ON i.id = t.image_id
         WHERE t.state <> 'suggested' AND i.status <> 'missing'
           AND (t.state = 'rejected' OR t.source IN ('user', 'personal'))
         ORDER BY t.image_id, t.tag`,
        { model_id: modelId },
      )
      .map((r) => ({ imageId: r.image_id, tag: r.tag, accepted: r.state === 'accepted' }));
  }

  /** Photos where the user accepted or rejected `tag`. */
  decidedImages(tag: string): number[] {
    return this.db
      .all<{ image_id: number }>(`SELECT image_id FROM tags WHERE tag = :tag AND state <> 'suggested'`, {
        tag,
      })
      .map((r) => r.image_id);
  }

  /** Changes whenever a decision or the set of embeddings changes: training is skipped when it has not. */
  fingerprint(modelId: number): string {
    const tags = this.db.get<{ n: number; last: string | null }>(
      `SELECT count(*) AS n, max(updated_at) AS last FROM tags WHERE state <> 'suggested'`,
    );
    const embeddings = this.db.get<{ n: number; last: number | null }>(
      'SELECT count(*) AS n, max(image_id) AS last FROM embeddings WHERE model_id = :model_id',
      { model_id: modelId },
    );
    return JSON.stringify([tags?.n, tags?.last, embeddings?.n, embeddings?.last]);
  }

  lastFingerprint(modelId: number): string | null {
    return (
      this.db.get<{ fingerprint: string }>(
        'SELECT fingerprint FROM personal_training WHERE model_id = :model_id',
        { model_id: modelId },
      )?.fingerprint ?? null
    );
  }

  /** Replaces the model's classifiers with a new training's, in one transaction. */
  saveClassifiers(modelId: number, classifiers: readonly StoredClassifier[]): void {
    this.db.transaction(() => {
      this.db.run('DELETE FROM personal_tags WHERE model_id = :model_id', { model_id: modelId });
      for (const c of classifiers) {
        this.db.run(
          `INSERT INTO personal_tags (model_id, tag, weights, bias, platt_a, platt_b, positives, negatives,
             cv_precision, cv_recall, trained_at)
           VALUES (:model_id, :tag, :weights, :bias, :platt_a, :platt_b, :positives, :negatives,
             :cv_precision, :cv_recall, :trained_at)`,
          {
            model_id: modelId,
            tag: c.tag,
            weights: Buffer.from(c.weights.buffer, c.weights.byteOffset, c.weights.byteLength),
            bias: c.bias,
            platt_a: c.plattA,
            platt_b: c.plattB,
            positives: c.positives,
            negatives: c.negatives,
            cv_precision: c.cvPrecision,
            cv_recall: c.cvRecall,
            trained_at: c.trainedAt,
          },
        );
      }
    });
  }

  /**
   * Records what a finished training (classifiers and every photo's suggestions) saw. Written last: a run
   * killed half way leaves the old fingerprint, so the next one trains and suggests again.
   */
  markTrained(modelId: number, fingerprint: string): void {
    this.db.run(
      `INSERT INTO personal_training (model_id, fingerprint, trained_at) VALUES (:model_id, :fingerprint, :now)
       ON CONFLICT (model_id) DO UPDATE SET fingerprint = excluded.fingerprint, trained_at = excluded.trained_at`,
      { model_id: modelId, fingerprint, now: this.now() },
    );
  }

  classifiers(modelId: number): StoredClassifier[] {
    return this.db
      .all<{
        tag: string;
        weights: unknown;
        bias: number;
        platt_a: number;
        platt_b: number;
        positives: number;
        negatives: number;
        cv_precision: number | null;
        cv_recall: number | null;
        trained_at: string;
      }>('SELECT * FROM personal_tags WHERE model_id = :model_id ORDER BY tag', { model_id: modelId })
      .map((r) => {
        const bytes = asBuffer(r.weights);
        // A copy: the Buffer may view SQLite's memory, and Float32Array needs 4-byte alignment.
        const weights = new Float32Array(new Uint8Array(bytes).buffer);
        return {
          tag: r.tag,
          weights,
          bias: r.bias,
          plattA: r.platt_a,
          plattB: r.platt_b,
          positives: r.positives,
          negatives: r.negatives,
          cvPrecision: r.cv_precision,
          cvRecall: r.cv_recall,
          trainedAt: r.trained_at,
        };
      });
  }

  /**
   * An image's personal suggestions become exactly `suggestions`: new ones are added, scores refreshed,
   * stale ones dropped. The user's decisions stand (an accepted or rejected tag keeps its state), and a
   * tag the image already has from the model or the user is left as it is.
   */
  setSuggestions(imageId: number, suggestions: readonly { tag: string; score: number }[]): void {
    const now = this.now();
    let written = 0;
    for (const s of suggestions) {
      written += this.db.run(
        `INSERT INTO tags (image_id, tag, source, state, score, updated_at)
         VALUES (:image_id, :tag, 'personal', 'suggested', :score, :now)
         ON CONFLICT (image_id, tag) DO UPDATE SET score = excluded.score
         WHERE tags.source = 'personal' AND tags.state = 'suggested' AND tags.score IS NOT excluded.score`,
        { image_id: imageId, tag: s.tag, score: s.score, now },
      );
    }
    written += this.db.run(
      `DELETE FROM tags WHERE image_id = :image_id AND source = 'personal' AND state = 'suggested'
         AND tag NOT IN (SELECT value FROM json_each(:tags))`,
      { image_id: imageId, tags: jsonList(suggestions.map((s) => s.tag)) },
    );
    // Retraining rescores every photo: only those whose tags moved are news for the app.
    if (written > 0) this.changes.changed([imageId]);
  }
}
