// Images as scans see them (engine process): insert, re-see, rename, merge copies, mark missing, list work to do.

import type { ImageChanges } from './commit-feed.js';
import type { ImageRow, ImageStatus, SeenFile } from './library-types.js';
import { pairKeyOf } from './pairs.js';
import { folderRanges, rangeCondition } from './path-prefix.js';
import { IMAGE_COLUMNS, toImage, type DbImage } from './row-mappers.js';
import { jsonList, type SqlDb, type SqlParams } from './sql-db.js';

/** Rows per query when streaming: bounded memory, and no statement left open between pages. */
const PAGE_SIZE = 500;

/** The content may have changed: size or mtime differ from what was recorded, or the caller says so. */
const CHANGED = '(:force_pending = 1 OR size IS NOT :size OR mtime_ms IS NOT :mtime_ms)';

/**
 * Columns a scan refreshes when it sees a known file. A changed file goes back to pending and forgets
 * its hash and error (they describe the old content); a file that reappears unchanged gets back the
 * status it had before it went missing, so an unplugged drive does not cost a full re-classification.
 */
const SEEN_SET = `
  status = COALESCE(:status, CASE
    WHEN ${CHANGED} THEN 'pending'
    WHEN status = 'missing' THEN COALESCE(status_before_missing, 'pending')
    ELSE status END),
  sha256 = CASE WHEN ${CHANGED} THEN NULL ELSE sha256 END,
  error_code = CASE WHEN ${CHANGED} THEN NULL ELSE error_code END,
  error_message = CASE WHEN ${CHANGED} THEN NULL ELSE error_message END,
  crash_count = CASE WHEN ${CHANGED} THEN 0 ELSE crash_count END,
  status_before_missing = NULL,
  display = :display, size = :size, mtime_ms = :mtime_ms, dev_ino = :dev_ino,
  last_seen_scan = :scan, updated_at = :now`;

export class ImagesRepo {
  constructor(
    private readonly db: SqlDb,
    private readonly now: () => string,
    private readonly changes: ImageChanges,
  ) {}

  getImage(id: number): ImageRow | undefined {
    const row = this.db.get<DbImage>(`SELECT ${IMAGE_COLUMNS} FROM images WHERE id = :id`, { id });
    return row && toImage(row);
  }

  getImageByPath(path: Buffer): ImageRow | undefined {
    const row = this.db.get<DbImage>(`SELECT ${IMAGE_COLUMNS} FROM images WHERE path = :path`, { path });
    return row && toImage(row);
  }

  /** A file the library has not seen before: pending until classified. */
  insertImage(seen: SeenFile, folderId: number | null, scan: number): ImageRow {
    const now = this.now();
    const row = this.db.returning<DbImage>(
      `INSERT INTO images (folder_id, path, display, size, mtime_ms, dev_ino, status, last_seen_scan,
                           first_seen_at, updated_at, pair_key, pair_role)
       VALUES (:folder_id, :path, :display, :size, :mtime_ms, :dev_ino, 'pending', :scan, :now, :now,
               :pair_key, :pair_role)
       RETURNING ${IMAGE_COLUMNS}`,
      { folder_id: folderId, ...seenParams(seen), scan, now, ...pairParams(seen.path) },
    );
    this.changes.inserted(row.id);
    return toImage(row);
  }

  /** A known path seen again with new stat data; `status` overrides what the stat comparison decides. */
  updateSeen(id: number, seen: SeenFile, scan: number, status?: ImageStatus): void {
    this.db.run(`UPDATE images SET ${SEEN_SET} WHERE id = :id`, this.seenUpdate(id, seen, scan, status));
    this.changes.changed([id]);
  }

  /** A rename: the row, with its predictions and tags, moves to the new path. */
  movePath(id: number, seen: SeenFile, folderId: number | null, scan: number): void {
    // A rename can make or break a RAW+JPEG pair (IMG_0001.JPG → IMG_0001-edit.JPG): the key follows the path.
    this.db.run(
      `UPDATE images SET ${SEEN_SET}, path = :path, folder_id = :folder_id, pair_key = :pair_key,
         pair_role = :pair_role WHERE id = :id`,
      {
        ...this.seenUpdate(id, seen, scan, undefined),
        path: seen.path,
        folder_id: folderId,
        ...pairParams(seen.path),
      },
    );
    this.changes.changed([id]);
  }

  /** Unchanged files seen by scan `scan`; missing ones get their old status back. */
  touchSeen(ids: readonly number[], scan: number): void {
    if (ids.length === 0) return;
    const list = jsonList(ids);
    this.db.transaction(() => {
      // Only a file that comes back changes what is shown, so only those are reported. The unary "+"
      // keeps SQLite on the id lookups: the status index would walk every missing image (a whole
      // unplugged drive's worth) on each call.
      const back = this.db.all<{ id: number }>(
        `UPDATE images SET status = COALESCE(status_before_missing, 'pending'), status_before_missing = NULL,
           updated_at = :now
         WHERE id IN (SELECT value FROM json_each(:ids)) AND +status = 'missing'
         RETURNING id`,
        { ids: list, now: this.now() },
      );
      this.db.run(
        `UPDATE images SET last_seen_scan = :scan, status_before_missing = NULL
         WHERE id IN (SELECT value FROM json_each(:ids))`,
        { ids: list, scan },
      );
      if (back.length > 0) this.changes.changed(back.map((row) => row.id));
    });
  }

  /** Every image with this device+inode, any status: rename candidates (inodes are reused: check size too). */
  findByDevIno(devIno: string): ImageRow[] {
    return this.db
      .all<DbImage>(`SELECT ${IMAGE_COLUMNS} FROM images WHERE dev_ino = :dev_ino ORDER BY id`, {
        dev_ino: devIno,
      })
      .map(toImage);
  }

  findMissingByDevIno(devIno: string): ImageRow[] {
    return this.findByDevIno(devIno).filter((image) => image.status === 'missing');
  }

  /** A missing image with this content (a copy moved across disks keeps its hash, not its inode). */
  findMissingBySha(sha256: string): ImageRow | undefined {
    const row = this.db.get<DbImage>(
      `SELECT ${IMAGE_COLUMNS} FROM images WHERE sha256 = :sha256 AND status = 'missing'
       ORDER BY last_seen_scan DESC, id DESC LIMIT 1`,
      { sha256 },
    );
    return row && toImage(row);
  }

  /**
   * After a complete walk of `under` by scan `scan`: photos there that it did not see become missing —
   * only those held by `folderIds` (the folders that walk covered) and only while `leaseToken` still holds
   * the writer lease, checked in the same transaction. A scan number is only meaningful within the run
   * that holds the lease: without that check, a run that lost its lease could mark missing every photo
   * another run had just re-seen.
   */
  markUnseenMissingUnder(
    under: Buffer,
    folderIds: readonly number[],
    scan: number,
    leaseToken: string,
  ): number | null {
    if (folderIds.length === 0) return 0;
    return this.db.transaction(() => {
      const held = this.db.get<{ one: number }>(
        'SELECT 1 AS one FROM writer_lease WHERE id = 1 AND token = :token',
        { token: leaseToken },
      );
      if (held === undefined) return null;
      let count = 0;
      for (const range of folderRanges(under)) {
        const { sql, params } = rangeCondition('path', range);
        count += this.db.run(
          `UPDATE images SET status_before_missing = status, status = 'missing', updated_at = :now
           WHERE ${sql} AND folder_id IN (SELECT value FROM json_each(:ids))
             AND status <> 'missing' AND last_seen_scan IS NOT :scan`,
          { ...params, ids: jsonList(folderIds), scan, now: this.now() },
        );
      }
      if (count > 0) this.changes.anyImage();
      return count;
    });
  }

  /** One path reported gone (by the watcher); false when unknown or already missing. */
  markMissingPath(path: Buffer): boolean {
    const changes = this.db.run(
      `UPDATE images SET status_before_missing = status, status = 'missing', updated_at = :now
       WHERE path = :path AND status <> 'missing'`,
      { path, now: this.now() },
    );
    // Reported like the bulk case: leaving the views is more than a change of one item.
    if (changes > 0) this.changes.anyImage();
    return changes > 0;
  }

  /**
   * A moved copy found by its hash: the user's decisions (their own tags, and auto tags they accepted or
   * rejected) move from the old row to the new one, then the old row goes. Where the new row has its own
   * decision on a tag, that wins; where it only has an auto suggestion, the user's decision replaces it
   * (keeping the fresh score).
   */
  mergeInto(fromId: number, toId: number): void {
    if (fromId === toId) return;
    this.db.transaction(() => {
      this.db.run(
        `INSERT INTO tags (image_id, tag, source, state, score, updated_at)
         SELECT :to_id, tag, source, state, score, updated_at FROM tags
         WHERE image_id = :from_id AND (source = 'user' OR state IN ('accepted', 'rejected'))
         ON CONFLICT (image_id, tag) DO UPDATE SET
           source = excluded.source, state = excluded.state,
           score = COALESCE(tags.score, excluded.score), updated_at = excluded.updated_at
         WHERE tags.source = 'auto' AND tags.state = 'suggested'`,
        { from_id: fromId, to_id: toId },
      );
      this.db.run('DELETE FROM images WHERE id = :id', { id: fromId });
      this.changes.anyImage();
    });
  }

  /**
   * Whether the image lacks an up-to-date result for this model: it is pending, or has no classification
   * by it. Error and crashed images have none, so they answer true: retrying them is the caller's call.
   */
  needsClassification(imageId: number, modelId: number): boolean {
    const row = this.db.get<{ status: ImageStatus; done: number }>(
      `SELECT status, EXISTS (SELECT 1 FROM classifications WHERE image_id = :id AND model_id = :model_id) AS done
       FROM images WHERE id = :id`,
      { id: imageId, model_id: modelId },
    );
    if (row === undefined) return false;
    return row.status === 'pending' || row.done === 0;
  }

  /**
   * The work list of a tagging run, in id order: pending images, and ok images not yet classified by this
   * model. Error and crashed images wait until they change; missing ones cannot be read. Paged, so the
   * caller may write results between items.
   */
  *imagesToClassify(modelId: number, folderId?: number): Generator<ImageRow, void, undefined> {
    // The unary "+" keeps SQLite from using the status and folder indexes: those would return every
    // match and sort it by id on each page (quadratic over a run); walking the rowid from :after
    // stops at the first PAGE_SIZE matches, so the whole iteration is one pass over the table.
    const inFolder = folderId === undefined ? '' : 'AND +folder_id = :folder_id';
    const sql = `SELECT ${IMAGE_COLUMNS} FROM images
      WHERE id > :after ${inFolder} AND (+status = 'pending' OR (+status = 'ok' AND NOT EXISTS (
        SELECT 1 FROM classifications c WHERE c.image_id = images.id AND c.model_id = :model_id)))
      ORDER BY id LIMIT ${PAGE_SIZE}`;
    let after = 0;
    for (;;) {
      const params: SqlParams =
        folderId === undefined
          ? { after, model_id: modelId }
          : { after, model_id: modelId, folder_id: folderId };
      const rows = this.db.all<DbImage>(sql, params);
      for (const row of rows) yield toImage(row);
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < PAGE_SIZE) return;
      after = last.id;
    }
  }

  private seenUpdate(id: number, seen: SeenFile, scan: number, status: ImageStatus | undefined) {
    const { path: _path, ...rest } = seenParams(seen);
    return {
      id,
      ...rest,
      scan,
      now: this.now(),
      status: status ?? null,
      force_pending: status === 'pending' ? 1 : 0,
    };
  }
}

function seenParams(seen: SeenFile) {
  return {
    path: seen.path,
    display: seen.display,
    size: seen.size,
    mtime_ms: seen.mtimeMs,
    dev_ino: seen.devIno,
  };
}

function pairParams(path: Buffer): { pair_key: Buffer | null; pair_role: string | null } {
  const pair = pairKeyOf(path);
  return { pair_key: pair?.key ?? null, pair_role: pair?.role ?? null };
}
