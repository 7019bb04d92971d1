// Classification results into the library (engine process): predictions, the "done" mark and auto tags, atomically.

import type { ImageChanges } from './commit-feed.js';
import type { EmbeddingsRepo } from './embeddings-repo.js';
import type { FailureRecord, SuccessRecord } from './library-types.js';
import { jsonList, type SqlDb } from './sql-db.js';

export class ResultsRepo {
  constructor(
    private readonly db: SqlDb,
    private readonly now: () => string,
    private readonly changes: ImageChanges,
    private readonly embeddings: EmbeddingsRepo,
  ) {}

  /** The id of a model identified by its file's hash; the name is refreshed (files get renamed). */
  ensureModel(sha256: string, name: string): number {
    const row = this.db.returning<{ id: number }>(
      `INSERT INTO models (sha256, name) VALUES (:sha256, :name)
       ON CONFLICT (sha256) DO UPDATE SET name = excluded.name
       RETURNING id`,
      { sha256, name },
    );
    return row.id;
  }

  findModel(sha256: string): number | null {
    return (
      this.db.get<{ id: number }>('SELECT id FROM models WHERE sha256 = :sha256', { sha256 })?.id ?? null
    );
  }

  /**
   * One transaction (a savepoint inside the caller's batch): the image's metadata and status, its
   * predictions for this model, the classification row that marks it done, and its auto tags. The done
   * mark and the predictions commit together or not at all.
   *
   * Auto tags follow the newest predictions: each label becomes a suggested tag with its score, and
   * suggestions the new predictions no longer contain are dropped. The user's decisions stand: a rejected
   * tag stays rejected (and keeps its score) even when suggested again; an accepted one stays accepted
   * and takes the new score.
   */
  recordSuccess(imageId: number, result: SuccessRecord): void {
    const now = this.now();
    this.db.transaction(() => {
      const changed = this.db.run(
        `UPDATE images SET status = 'ok', sha256 = :sha256, size = :size, format = :format, width = :width,
           height = :height, taken_at = :taken_at, error_code = NULL, error_message = NULL, crash_count = 0,
           status_before_missing = NULL, updated_at = :now
         WHERE id = :id`,
        {
          id: imageId,
          sha256: result.sha256,
          size: result.size,
          format: result.format,
          width: result.width,
          height: result.height,
          taken_at: result.takenAt ?? null,
          now,
        },
      );
      if (changed === 0) throw new Error(`no image with id ${imageId}`);
      const key = { image_id: imageId, model_id: result.modelId };
      this.db.run(
        `INSERT INTO classifications (image_id, model_id, provider, classified_at)
         VALUES (:image_id, :model_id, :provider, :classified_at)
         ON CONFLICT (image_id, model_id) DO UPDATE SET
           provider = excluded.provider, classified_at = excluded.classified_at`,
        { ...key, provider: result.provider, classified_at: result.classifiedAt },
      );
      this.db.run('DELETE FROM predictions WHERE image_id = :image_id AND model_id = :model_id', key);
      result.predictions.forEach((p, i) => {
        this.db.run(
          `INSERT INTO predictions (image_id, model_id, rank, class_index, wnid, name, score)
           VALUES (:image_id, :model_id, :rank, :class_index, :wnid, :name, :score)`,
          { ...key, rank: i + 1, class_index: p.index, wnid: p.wnid, name: p.label, score: p.score },
        );
      });
      this.refreshAutoTags(imageId, result, now);
      if (result.embedding !== undefined) this.embeddings.put(imageId, result.modelId, result.embedding);
      this.changes.changed([imageId]);
    });
  }

  /**
   * The file could not be classified. Whatever was derived from an earlier read of it (classifications,
   * predictions, auto suggestions) goes, since it may describe other content; the user's decisions stay.
   */
  recordFailure(imageId: number, failure: FailureRecord, status: 'error' | 'crashed'): void {
    this.db.transaction(() => {
      const changed = this.db.run(
        `UPDATE images SET status = :status, error_code = :code, error_message = :message,
           sha256 = COALESCE(:sha256, sha256), size = COALESCE(:size, size),
           status_before_missing = NULL, updated_at = :now
         WHERE id = :id`,
        {
          id: imageId,
          status,
          code: failure.code,
          message: failure.message,
          sha256: failure.sha256 ?? null,
          size: failure.size ?? null,
          now: this.now(),
        },
      );
      if (changed === 0) throw new Error(`no image with id ${imageId}`);
      this.db.run('DELETE FROM classifications WHERE image_id = :id', { id: imageId });
      this.embeddings.removeImage(imageId);
      this.db.run(
        `DELETE FROM tags WHERE image_id = :id AND source IN ('auto', 'personal') AND state = 'suggested'`,
        {
          id: imageId,
        },
      );
      this.changes.changed([imageId]);
    });
  }

  /** Counts one more crash of the decoder on this image; returns the new count. */
  incrementCrashCount(imageId: number): number {
    return this.db.transaction(() => {
      const row = this.db.get<{ crash_count: number }>(
        `UPDATE images SET crash_count = crash_count + 1, updated_at = :now WHERE id = :id RETURNING crash_count`,
        { id: imageId, now: this.now() },
      );
      if (row === undefined) throw new Error(`no image with id ${imageId}`);
      return row.crash_count;
    });
  }

  private refreshAutoTags(imageId: number, result: SuccessRecord, now: string): void {
    // Two classes can share a name (ImageNet has two "crane"s): one tag, the better score.
    const best = new Map<string, number>();
    const suggestions = result.tags ?? result.predictions.map((p) => ({ tag: p.label, score: p.score }));
    for (const t of suggestions) best.set(t.tag, Math.max(best.get(t.tag) ?? -Infinity, t.score));
    for (const [tag, score] of best) {
      this.db.run(
        `INSERT INTO tags (image_id, tag, source, state, score, updated_at)
         VALUES (:image_id, :tag, 'auto', 'suggested', :score, :now)
         ON CONFLICT (image_id, tag) DO UPDATE SET score = excluded.score, updated_at = excluded.updated_at
         WHERE tags.state <> 'rejected'`,
        { image_id: imageId, tag, score, now },
      );
    }
    this.db.run(
      `DELETE FROM tags WHERE image_id = :image_id AND source = 'auto' AND state = 'suggested'
         AND tag NOT IN (SELECT value FROM json_each(:tags))`,
      { image_id: imageId, tags: jsonList([...best.keys()]) },
    );
  }
}
