// Coalesced `library:changed` events (engine): many small library writes become a few events the UI can follow.

import type { EventPayload } from '../../shared/contract.js';

export type LibraryChange = EventPayload<'library:changed'>;

/**
 * Payload meaning, for the renderer: `imageIds` absent → any image may have changed (refetch the grid);
 * `imageIds: [...]` → only these (an empty list: no image changed); `folders: true` → refetch folders.
 * A scan of 100k new photos would otherwise be 100k events; above `maxIds` one "refetch" is cheaper
 * than a huge id list.
 */
export class ChangeBatcher {
  private ids = new Set<number>();
  private everything = false;
  private folders = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly emit: (change: LibraryChange) => void,
    private readonly delayMs = 250,
    private readonly maxIds = 500,
  ) {}

  images(ids: Iterable<number>): void {
    for (const id of ids) this.ids.add(id);
    this.schedule();
  }

  anyImage(): void {
    this.everything = true;
    this.schedule();
  }

  foldersChanged(): void {
    this.folders = true;
    this.schedule();
  }

  /** Emits what is pending now (after a user's own action, so the UI confirms it without delay). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.closed || (!this.everything && !this.folders && this.ids.size === 0)) return;
    const change: LibraryChange = {};
    if (!this.everything && this.ids.size <= this.maxIds) change.imageIds = [...this.ids];
    if (this.folders) change.folders = true;
    this.ids = new Set();
    this.everything = false;
    this.folders = false;
    this.emit(change);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setTimeout(() => this.flush(), this.delayMs);
  }
}
