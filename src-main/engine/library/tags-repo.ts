// Tags (engine process): the user's accept/reject/remove/undo actions, an image's tags, and images by tag.

import type { ImageChanges } from './commit-feed.js';
import type { AcceptedSuggestions, TagHit, TagQuery, TagRow } from './library-types.js';
import { toTag, type DbTag } from './row-mappers.js';
import { jsonList, type SqlDb, type SqlValue } from './sql-db.js';

/**
 * SQL condition on `alias` (a tags row): the tag is present for search, i.e. suggested or accepted, with
 * a score of at least :min_score (and at most :max_score when withMax). An accepted tag the user added
 * has no score and counts as certain. Only columns of the tags_by_tag index (tag, state, score), so the
 * index answers it on its own.
 */
export function tagHitCondition(alias: string, withMax: boolean): string {
  const score = `COALESCE(${alias}.score, 1.0)`;
  return (
    `${alias}.tag = :tag AND ${alias}.state IN ('suggested', 'accepted') AND ${score} >= :min_score` +
    (withMax ? ` AND ${score} <= :max_score` : '')
  );
}

export class TagsRepo {
  constructor(
    private readonly db: SqlDb,
    private readonly now: () => string,
    private readonly changes: ImageChanges,
  ) {}

  /**
   * The user accepts or rejects a tag on these images; a tag they did not have is added as the user's.
   * Ids of images that no longer exist are skipped. Returns how many images were changed.
   */
  setTagState(imageIds: readonly number[], tag: string, state: 'accepted' | 'rejected'): number {
    const count = this.db.run(
      `INSERT INTO tags (image_id, tag, source, state, score, updated_at)
       SELECT images.id, :tag, 'user', :state, NULL, :now
       FROM json_each(:ids) AS ids JOIN images ON images.id = ids.value
       WHERE true
       ON CONFLICT (image_id, tag) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      { ids: jsonList(imageIds), tag, state, now: this.now() },
    );
    return this.reported(imageIds, count);
  }

  /**
   * Forgets the tag on these images. An auto tag comes back with the next classification that suggests
   * it: to keep it away, reject it instead.
   */
  removeTag(imageIds: readonly number[], tag: string): number {
    const count = this.db.run(
      `DELETE FROM tags WHERE tag = :tag AND image_id IN (SELECT value FROM json_each(:ids))`,
      { ids: jsonList(imageIds), tag },
    );
    return this.reported(imageIds, count);
  }

  /**
   * Sets `tag` on these images back to a suggestion, as before the user decided: a tag the model suggested
   * (source 'auto', or a user's tag the model has since scored) becomes a suggested auto tag with its score;
   * a tag only the user ever gave (no score) is removed. Works from the tags rows alone, so it holds with
   * tagging rules (aliases, rollups) too, whose tags are not prediction labels. This is how the UI undoes
   * an accept, a reject or an add. Returns how many images changed.
   */
  resetToSuggestion(imageIds: readonly number[], tag: string): number {
    const target = `tag = :tag AND image_id IN (SELECT value FROM json_each(:ids))`;
    const ids = jsonList(imageIds);
    return this.db.transaction(() => {
      const restored = this.db.run(
        `UPDATE tags SET state = 'suggested', source = 'auto', updated_at = :now
         WHERE ${target} AND (source = 'auto' OR score IS NOT NULL)
           AND NOT (state = 'suggested' AND source = 'auto')`,
        { tag, ids, now: this.now() },
      );
      const removed = this.db.run(`DELETE FROM tags WHERE ${target} AND source = 'user' AND score IS NULL`, {
        tag,
        ids,
      });
      return this.reported(imageIds, restored + removed);
    });
  }

  /**
   * Accepts, in one transaction, every suggestion of `tag` (or of every tag when null) scoring at least
   * `minScore` on a present photo: the threshold review's bulk accept. Decided tags are left alone. Returns
   * what was accepted, grouped by tag (the undo sets exactly these back to suggested); a dry run changes
   * nothing and returns the counts only. `hiddenIds` (SQL selecting ids) are left out: the hidden halves of
   * RAW+JPEG pairs, which the caller decides with their shown half.
   */
  acceptSuggestionsAbove(
    tag: string | null,
    minScore: number,
    dryRun: boolean,
    hiddenIds: string,
  ): AcceptedSuggestions {
    const where = `${tag === null ? '' : 'tag = :tag AND '}state = 'suggested' AND score >= :min
      AND image_id NOT IN (SELECT id FROM images WHERE status = 'missing' UNION ${hiddenIds})`;
    const params: Record<string, SqlValue> = tag === null ? { min: minScore } : { tag, min: minScore };
    if (dryRun) {
      const row = this.db.get<{ suggestions: number; photos: number }>(
        `SELECT count(*) AS suggestions, count(DISTINCT image_id) AS photos FROM tags WHERE ${where}`,
        params,
      );
      return { suggestions: row?.suggestions ?? 0, photos: row?.photos ?? 0, groups: [] };
    }
    const rows = this.db.transaction(() =>
      this.db.all<{ image_id: number; tag: string }>(
        `UPDATE tags SET state = 'accepted', updated_at = :now WHERE ${where} RETURNING image_id, tag`,
        { ...params, now: this.now() },
      ),
    );
    const groups = new Map<string, number[]>();
    for (const row of rows) {
      const ids = groups.get(row.tag);
      if (ids) ids.push(row.image_id);
      else groups.set(row.tag, [row.image_id]);
    }
    const imageIds = [...new Set(rows.map((row) => row.image_id))];
    if (imageIds.length > 0) this.changes.changed(imageIds);
    return {
      suggestions: rows.length,
      photos: imageIds.length,
      groups: [...groups].map(([t, ids]) => ({ tag: t, imageIds: ids.sort((a, b) => a - b) })),
    };
  }

  /** Accepted first, then suggested, then rejected; best score first within each. */
  tagsForImage(imageId: number): TagRow[] {
    return this.db
      .all<DbTag>(
        `SELECT tag, source, state, score FROM tags WHERE image_id = :id
         ORDER BY CASE state WHEN 'accepted' THEN 0 WHEN 'suggested' THEN 1 ELSE 2 END,
                  COALESCE(score, 1.0) DESC, tag`,
        { id: imageId },
      )
      .map(toTag);
  }

  /**
   * Images carrying a tag (suggested or accepted) within a score band, best first, one page at a time,
   * with the total for paging. Missing images are left out: there is nothing to show for them. Both
   * queries are answered from the tags_by_tag and images_by_status indexes, without reading rows.
   */
  imagesWithTag(tag: string, query: TagQuery): { total: number; hits: TagHit[] } {
    const withMax = query.maxScore !== undefined;
    const params = {
      tag,
      min_score: query.minScore ?? 0,
      ...(withMax ? { max_score: query.maxScore } : {}),
    };
    // NOT IN a short list of missing ids instead of joining images: a join reads one image row per hit.
    const from = `FROM tags WHERE ${tagHitCondition('tags', withMax)}
      AND tags.image_id NOT IN (SELECT id FROM images WHERE status = 'missing')`;
    const total = this.db.get<{ n: number }>(`SELECT count(*) AS n ${from}`, params)?.n ?? 0;
    const rows = this.db.all<{ image_id: number; score: number; state: TagHit['state'] }>(
      `SELECT tags.image_id, COALESCE(tags.score, 1.0) AS score, tags.state ${from}
       ORDER BY score DESC, tags.image_id LIMIT :limit OFFSET :offset`,
      { ...params, limit: query.limit, offset: query.offset ?? 0 },
    );
    return { total, hits: rows.map((r) => ({ imageId: r.image_id, score: r.score, state: r.state })) };
  }

  /** Counts say how many images changed, not which: all the ids asked for are reported. */
  private reported(imageIds: readonly number[], count: number): number {
    if (count > 0) this.changes.changed(imageIds);
    return count;
  }
}
