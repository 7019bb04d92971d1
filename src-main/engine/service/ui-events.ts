// Events the service pushes to the UI, paced (engine, service process): `library:changed` coalesced, `jobs:progress` throttled.

import type { EventPayload } from '../../shared/contract.js';
import type { JobSnapshot } from '../jobs/job-queue.js';

export type LibraryChange = EventPayload<'library:changed'>;

/**
 * Coalesced `library:changed` events: many small library writes become a few events the UI can follow.
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

interface Track {
  state: JobSnapshot['state'];
  lastAt: number;
  pending: JobSnapshot | null;
  timer: NodeJS.Timeout | null;
}

/**
 * `jobs:progress` events: every state change at once, progress of a job at most ~10 times a second.
 * A job reports after every file; at hundreds of files a second that would flood IPC and re-render the
 * UI for nothing. The latest snapshot of a burst is always delivered (trailing edge), and a state change
 * (running → paused, done, …) is never held back nor overtaken by an older snapshot.
 */
export class JobEvents {
  private readonly tracks = new Map<number, Track>();

  constructor(
    private readonly emit: (job: JobSnapshot) => void,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  update(job: JobSnapshot): void {
    const track = this.tracks.get(job.id);
    const at = this.now();
    if (track === undefined || track.state !== job.state || at - track.lastAt >= this.intervalMs) {
      if (track?.timer) clearTimeout(track.timer);
      this.tracks.set(job.id, { state: job.state, lastAt: at, pending: null, timer: null });
      if (isFinished(job.state)) this.tracks.delete(job.id);
      this.emit(job);
      return;
    }
    track.pending = job;
    track.timer ??= setTimeout(
      () => {
        track.timer = null;
        const latest = track.pending;
        track.pending = null;
        if (latest === null || this.tracks.get(job.id) !== track) return;
        track.lastAt = this.now();
        this.emit(latest);
      },
      this.intervalMs - (at - track.lastAt),
    );
  }

  close(): void {
    for (const track of this.tracks.values()) if (track.timer) clearTimeout(track.timer);
    this.tracks.clear();
  }
}

function isFinished(state: JobSnapshot['state']): boolean {
  return state === 'done' || state === 'cancelled' || state === 'failed';
}
