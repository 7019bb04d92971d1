// `jobs:progress` events (engine): every state change at once, progress of a job at most ~10 times a second.

import type { JobSnapshot } from '../jobs/job-queue.js';

interface Track {
  state: JobSnapshot['state'];
  lastAt: number;
  pending: JobSnapshot | null;
  timer: NodeJS.Timeout | null;
}

/**
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
