// Jobs store (renderer): tagging/rescan jobs as pushed by the app service, with pause, resume and cancel.
import type { JobSnapshotInfo } from '$contract';
import { skiptag } from '../api';
import { attempt } from './notices.svelte';

const ACTIVE = new Set<JobSnapshotInfo['state']>(['queued', 'running', 'paused']);

export function isActive(job: JobSnapshotInfo): boolean {
  return ACTIVE.has(job.state);
}

class JobsStore {
  /** By id, oldest first. */
  list = $state.raw<JobSnapshotInfo[]>([]);
  /** Finished jobs dropped by forget(): a later jobs:list must not bring them back. */
  #forgotten = new Set<number>();

  /** The job the progress bar shows: the newest unfinished one, else the one that finished last. */
  get current(): JobSnapshotInfo | undefined {
    return this.currentExcept(() => false);
  }

  /** Same, leaving out jobs that another part of the window already shows (the first-run panel's). */
  currentExcept(hidden: (job: JobSnapshotInfo) => boolean): JobSnapshotInfo | undefined {
    const shown = this.list.filter((j) => !hidden(j));
    return shown.findLast(isActive) ?? shown.at(-1);
  }

  get activeCount(): number {
    return this.list.filter(isActive).length;
  }

  async load(): Promise<void> {
    const list = await attempt('Could not list jobs', () => skiptag().listJobs({}));
    if (list) for (const job of list) this.upsert(job);
  }

  /** Progress events can outrun the answer to a request: keep whichever snapshot says more was done. */
  upsert(job: JobSnapshotInfo): void {
    if (this.#forgotten.has(job.id)) return;
    const i = this.list.findIndex((j) => j.id === job.id);
    if (i === -1) {
      this.list = [...this.list, job].sort((a, b) => a.id - b.id).slice(-20);
      return;
    }
    const old = this.list[i];
    if (old && isActive(job) && !isActive(old)) return;
    if (old && isActive(job) && isActive(old) && job.progress.done < old.progress.done) return;
    this.list = this.list.with(i, job);
  }

  async pause(job: JobSnapshotInfo): Promise<void> {
    const res = await attempt('Could not pause', () => skiptag().pauseJob({ jobId: job.id }));
    if (res?.ok) this.#setState(job.id, 'paused');
  }

  async resume(job: JobSnapshotInfo): Promise<void> {
    const res = await attempt('Could not resume', () => skiptag().resumeJob({ jobId: job.id }));
    if (res?.ok) this.#setState(job.id, 'running');
  }

  async cancel(job: JobSnapshotInfo): Promise<void> {
    await attempt('Could not cancel', () => skiptag().cancelJob({ jobId: job.id }));
  }

  /** Finished jobs are history: dismissing hides the bar until the next job. */
  dismissFinished(): void {
    this.list = this.list.filter(isActive);
  }

  /** Drops finished jobs that no longer mean anything (tagging that failed for want of a model, once one came). */
  forget(match: (job: JobSnapshotInfo) => boolean): void {
    for (const j of this.list) if (!isActive(j) && match(j)) this.#forgotten.add(j.id);
    this.list = this.list.filter((j) => !this.#forgotten.has(j.id));
  }

  reset(): void {
    this.list = [];
    this.#forgotten.clear();
  }

  /** Shows a confirmed pause/resume at once; the next progress event carries the same state. */
  #setState(jobId: number, state: JobSnapshotInfo['state']): void {
    this.list = this.list.map((j) => (j.id === jobId ? { ...j, state } : j));
  }
}

export const jobs = new JobsStore();
