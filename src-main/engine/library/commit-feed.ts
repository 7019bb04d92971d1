// Commit notifications of the library (engine process): which images a committed write changed, told once it is committed.

import type { SqlDb } from './sql-db.js';

/** What one commit changed, as far as anything shown about an image goes (its row or its tags). */
export interface LibraryCommit {
  /** Images recorded for the first time (pending): a view can show them before they are classified. */
  inserted: number[];
  /** Images whose status, path, metadata or tags changed (ids that no longer exist may be among them). */
  changed: number[];
  /** A change that cannot be pinned to ids (images marked missing, merged, removed with their folder). */
  anyImage: boolean;
}

export type CommitListener = (commit: LibraryCommit) => void;

/** What the repositories report as they write; the feed holds it until the write is committed. */
export interface ImageChanges {
  inserted(imageId: number): void;
  changed(imageIds: readonly number[]): void;
  anyImage(): void;
}

/**
 * Collects the changes of the running transaction and hands them to the listeners when the outermost one
 * commits (ResultCommitter's batch of ~1 s of results is one report), or at once for a write outside a
 * transaction. A rollback of the outermost transaction drops them; a rolled-back savepoint inside a
 * committed one does not, which at worst makes a view refetch an image that did not change.
 *
 * Only this connection's writes are seen: another process writing the same file (`skiptag watch` beside
 * the app) is not reported.
 */
export class CommitFeed implements ImageChanges {
  private readonly listeners = new Set<CommitListener>();
  private inserts: number[] = [];
  private changes = new Set<number>();
  private any = false;

  constructor(private readonly db: SqlDb) {
    db.onTransactionEnd((committed) => {
      if (committed) this.report();
      else this.clear();
    });
  }

  /**
   * Listeners run synchronously after the commit, in the order they subscribed; they should not throw (an
   * error reaches the writer although its write is committed). Returns the unsubscribe function.
   */
  subscribe(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  inserted(imageId: number): void {
    this.inserts.push(imageId);
    this.reportOutsideTransaction();
  }

  changed(imageIds: readonly number[]): void {
    for (const id of imageIds) this.changes.add(id);
    this.reportOutsideTransaction();
  }

  anyImage(): void {
    this.any = true;
    this.reportOutsideTransaction();
  }

  /** A repository notes a change after its own statement; outside a transaction that one is committed. */
  private reportOutsideTransaction(): void {
    if (!this.db.inTransaction) this.report();
  }

  private report(): void {
    if (this.inserts.length === 0 && this.changes.size === 0 && !this.any) return;
    // Inserted ids are reported as inserted only, even when a later write of the same batch changed them.
    for (const id of this.inserts) this.changes.delete(id);
    const commit: LibraryCommit = { inserted: this.inserts, changed: [...this.changes], anyImage: this.any };
    this.clear();
    for (const listener of [...this.listeners]) listener(commit);
  }

  private clear(): void {
    this.inserts = [];
    this.changes = new Set();
    this.any = false;
  }
}
