// Keyword write-back records (engine process): what Skiptag wrote into sidecars/photos, wnids, imported keywords.

import type { ImageChanges } from './commit-feed.js';
import { jsonList, type SqlDb } from './sql-db.js';

/** Where keywords were written: an XMP sidecar beside the photo, or the photo's own metadata. */
export type XmpTarget = 'sidecar' | 'embedded';

export interface XmpKeyword {
  /** A plain keyword, or a '|'-separated path such as 'Skiptag|animal|cat|tabby'. */
  keyword: string;
  hierarchical: boolean;
}

/**
 * The photo as it is on disk after an embedded write (size, mtime, device+inode, content hash): recorded
 * with the keywords so that the next scan sees the file as unchanged instead of classifying it again.
 */
export interface RewrittenFile {
  size: number;
  mtimeMs: number;
  devIno: string;
  sha256: string;
}

export class XmpRepo {
  constructor(
    private readonly db: SqlDb,
    private readonly now: () => string,
    private readonly changes: ImageChanges,
  ) {}

  /** Keywords Skiptag added to this image's sidecar or photo (both targets when `target` is omitted). */
  writtenKeywords(imageId: number, target?: XmpTarget): XmpKeyword[] {
    const rows =
      target === undefined
        ? this.db.all<{ keyword: string; hierarchical: number }>(
            'SELECT keyword, hierarchical FROM xmp_written WHERE image_id = :id ORDER BY target, keyword',
            { id: imageId },
          )
        : this.db.all<{ keyword: string; hierarchical: number }>(
            `SELECT keyword, hierarchical FROM xmp_written WHERE image_id = :id AND target = :target
             ORDER BY keyword`,
            { id: imageId, target },
          );
    return rows.map((r) => ({ keyword: r.keyword, hierarchical: r.hierarchical === 1 }));
  }

  /**
   * Replaces the record of what Skiptag wrote to one target with `keywords` (first-written times of the
   * ones kept stay); with `file`, also records the rewritten photo's identity. Call it inside the same
   * transaction as the rename that publishes the write.
   */
  recordWritten(
    imageId: number,
    target: XmpTarget,
    keywords: readonly XmpKeyword[],
    file?: RewrittenFile,
  ): void {
    const now = this.now();
    this.db.transaction(() => {
      this.db.run(
        `DELETE FROM xmp_written WHERE image_id = :id AND target = :target
           AND keyword NOT IN (SELECT value FROM json_each(:keywords))`,
        { id: imageId, target, keywords: jsonList(keywords.map((k) => k.keyword)) },
      );
      for (const k of keywords) {
        this.db.run(
          `INSERT INTO xmp_written (image_id, target, keyword, hierarchical, written_at)
           VALUES (:id, :target, :keyword, :hierarchical, :now)
           ON CONFLICT (image_id, target, keyword) DO UPDATE SET hierarchical = excluded.hierarchical`,
          { id: imageId, target, keyword: k.keyword, hierarchical: k.hierarchical ? 1 : 0, now },
        );
      }
      if (file === undefined) return;
      const changed = this.db.run(
        `UPDATE images SET size = :size, mtime_ms = :mtime_ms, dev_ino = :dev_ino, sha256 = :sha256,
           updated_at = :now
         WHERE id = :id`,
        {
          id: imageId,
          size: file.size,
          mtime_ms: file.mtimeMs,
          dev_ino: file.devIno,
          sha256: file.sha256,
          now,
        },
      );
      if (changed === 0) throw new Error(`no image with id ${imageId}`);
      // The photo's size and hash, which its details show, are those of the rewritten file now.
      this.changes.changed([imageId]);
    });
  }

  /**
   * Label → WordNet id from the image's predictions, the latest classification first (labels of a model
   * without wnids are left out).
   */
  predictionWnids(imageId: number): Map<string, string> {
    const rows = this.db.all<{ name: string; wnid: string }>(
      `SELECT p.name, p.wnid FROM predictions p
       JOIN classifications c ON c.image_id = p.image_id AND c.model_id = p.model_id
       WHERE p.image_id = :id AND p.wnid <> ''
       ORDER BY c.classified_at DESC, p.model_id DESC, p.rank`,
      { id: imageId },
    );
    const wnids = new Map<string, string>();
    for (const row of rows) if (!wnids.has(row.name)) wnids.set(row.name, row.wnid);
    return wnids;
  }

  /**
   * Keywords found in the photo's metadata (put there by another tool) become the user's accepted tags.
   * A tag the user rejected stays rejected, an accepted one stays as it is, and a suggestion becomes
   * accepted: someone chose that keyword for the photo. Returns how many tags were added or accepted.
   */
  importUserTags(imageId: number, keywords: readonly string[]): number {
    if (keywords.length === 0) return 0;
    const count = this.db.run(
      `INSERT INTO tags (image_id, tag, source, state, score, updated_at)
       SELECT images.id, keywords.value, 'user', 'accepted', NULL, :now
       FROM json_each(:keywords) AS keywords JOIN images ON images.id = :id
       WHERE true
       ON CONFLICT (image_id, tag) DO UPDATE SET state = 'accepted', updated_at = excluded.updated_at
       WHERE tags.state = 'suggested'`,
      { id: imageId, keywords: jsonList([...new Set(keywords)]), now: this.now() },
    );
    if (count > 0) this.changes.changed([imageId]);
    return count;
  }
}
