// Library folders (engine process): the roots the user added, whether they are watched, when last scanned.

import type { ImageChanges } from './commit-feed.js';
import type { FolderRow } from './library-types.js';
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

  listFolders(): FolderRow[] {
    return this.db.all<DbFolder>('SELECT * FROM folders ORDER BY path').map(toFolder);
  }

  getFolder(id: number): FolderRow | undefined {
    const row = this.db.get<DbFolder>('SELECT * FROM folders WHERE id = :id', { id });
    return row && toFolder(row);
  }

  setFolderWatched(id: number, watched: boolean): void {
    this.db.run('UPDATE folders SET watched = :watched WHERE id = :id', { id, watched: watched ? 1 : 0 });
  }

  /** Forgets the folder and, by cascade, its images with their predictions and tags. */
  removeFolder(id: number): void {
    if (this.db.run('DELETE FROM folders WHERE id = :id', { id }) > 0) this.changes.anyImage();
  }

  markFolderScanned(id: number, at: string): void {
    this.db.run('UPDATE folders SET last_scan_at = :at WHERE id = :id', { id, at });
  }
}
