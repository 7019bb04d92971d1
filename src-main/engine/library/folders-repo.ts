// Library folders (engine process): the roots the user added, whether they are watched, when last scanned.

import type { ImageChanges } from './commit-feed.js';
import type { FolderRecord, FolderRow } from './library-types.js';
import { folderRanges, isAtOrUnderFolder, rangeCondition } from './path-prefix.js';
import { toFolder, type DbFolder } from './row-mappers.js';
import type { SqlDb } from './sql-db.js';

export class FoldersRepo {
  constructor(
    private readonly db: SqlDb,
    private readonly now: () => string,
    private readonly changes: ImageChanges,
  ) {}

  /** Adds a folder, or updates the display form and watch flag of one already added. */
  upsertFolder(path: Buffer, display: string, watched: boolean): FolderRow {
    const row = this.db.returning<DbFolder>(
      `INSERT INTO folders (path, display, watched, added_at) VALUES (:path, :display, :watched, :now)
       ON CONFLICT (path) DO UPDATE SET display = excluded.display, watched = excluded.watched
       RETURNING *`,
      { path, display, watched: watched ? 1 : 0, now: this.now() },
    );
    return toFolder(row);
  }

  /**
   * Records a folder the user named (to tag or to watch) so that library folders cover each other
   * instead of overlapping: a scan walks a folder whole, so a folder inside another is covered by it.
   * - Inside a folder already recorded (watched, or this one is not to be watched): nothing is added; the
   *   covering folder is returned, and the scan of this subtree counts as part of it.
   * - Otherwise it is added (or updated: `watched` only ever turns watching on here), takes over the
   *   photos under it from the folder that held them, and absorbs the folders inside it: their photos
   *   move to it and their rows go. The one nesting kept is a watched folder inside an unwatched one
   *   (`tag /d`, then `watch /d/new`): watching only that part is what the user asked for.
   */
  recordFolder(path: Buffer, display: string, watched: boolean): FolderRecord {
    return this.db.transaction(() => {
      const folders = this.listFolders();
      const same = folders.find((f) => f.path.equals(path));
      const container = same ? undefined : innermost(folders.filter((f) => isAtOrUnderFolder(f.path, path)));
      if (container !== undefined && (container.watched || !watched)) {
        return { folder: container, coveredBy: container, absorbed: [] };
      }
      const row = this.upsertFolder(path, display, watched || (same?.watched ?? false));
      // Photos tagged on their own before (no folder), or held by the folder around it, are its now.
      this.moveImagesUnder(path, row.id, container?.id ?? null);
      const absorbed = this.absorbInside(row, folders);
      return { folder: row, coveredBy: null, absorbed };
    });
  }

  /**
   * The folders inside `outer` that it covers (all, when it is watched; unwatched ones, when it is not)
   * give their photos to it and are removed. Returns the rows removed (the app stops watching them).
   */
  private absorbInside(outer: FolderRow, folders: readonly FolderRow[]): FolderRow[] {
    const absorbed = folders.filter(
      (f) =>
        f.id !== outer.id &&
        !f.path.equals(outer.path) &&
        isAtOrUnderFolder(outer.path, f.path) &&
        (outer.watched || !f.watched),
    );
    for (const inner of absorbed) {
      this.db.run('UPDATE images SET folder_id = :outer WHERE folder_id = :inner', {
        outer: outer.id,
        inner: inner.id,
      });
      this.db.run('DELETE FROM folders WHERE id = :id', { id: inner.id });
    }
    if (absorbed.length > 0) this.changes.anyImage();
    return absorbed;
  }

  /** Photos under `path` held by folder `from` (or by none) now belong to folder `to`. */
  private moveImagesUnder(path: Buffer, to: number, from: number | null): void {
    let moved = 0;
    for (const range of folderRanges(path)) {
      const { sql, params } = rangeCondition('path', range);
      moved += this.db.run(
        `UPDATE images SET folder_id = :to WHERE ${sql} AND (folder_id IS :from OR folder_id IS NULL)`,
        { ...params, to, from },
      );
    }
    if (moved > 0) this.changes.anyImage();
  }

  /**
   * Watched folders less those inside another watched one (a library written before folders were kept
   * apart can hold both): one watch and one scan per tree.
   */
  outermostWatched(): FolderRow[] {
    const watched = this.listFolders().filter((f) => f.watched);
    return watched.filter(
      (f) => !watched.some((g) => g !== f && !g.path.equals(f.path) && isAtOrUnderFolder(g.path, f.path)),
    );
  }

  listFolders(): FolderRow[] {
    return this.db.all<DbFolder>('SELECT * FROM folders ORDER BY path').map(toFolder);
  }

  getFolder(id: number): FolderRow | undefined {
    const row = this.db.get<DbFolder>('SELECT * FROM folders WHERE id = :id', { id });
    return row && toFolder(row);
  }

  /** A folder that starts being watched covers the folders inside it: they are absorbed (returned). */
  setFolderWatched(id: number, watched: boolean): FolderRow[] {
    return this.db.transaction(() => {
      this.db.run('UPDATE folders SET watched = :watched WHERE id = :id', { id, watched: watched ? 1 : 0 });
      const row = this.getFolder(id);
      return row && watched ? this.absorbInside(row, this.listFolders()) : [];
    });
  }

  /** Forgets the folder and, by cascade, its images with their predictions and tags. */
  removeFolder(id: number): void {
    if (this.db.run('DELETE FROM folders WHERE id = :id', { id }) > 0) this.changes.anyImage();
  }

  markFolderScanned(id: number, at: string): void {
    this.db.run('UPDATE folders SET last_scan_at = :at WHERE id = :id', { id, at });
  }
}

/** The deepest of folders that all contain one path: the longest path. */
function innermost(folders: readonly FolderRow[]): FolderRow | undefined {
  return folders.reduce<FolderRow | undefined>(
    (best, f) => (best === undefined || f.path.length > best.path.length ? f : best),
    undefined,
  );
}
