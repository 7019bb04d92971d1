// Job queue (engine): long tasks run one at a time with progress (done, total, rate, ETA, file), pause, resume, cancel.

import { EventEmitter } from 'node:events';
import type { JobKind, JobSnapshotInfo } from '../../shared/contract.js';
import { toErrorInfo } from '../../shared/errors.js';
import { RateMeter } from '../pipeline/rate-meter.js';

/** A job as jobs:list and jobs:progress show it: the contract's type, so the two cannot drift. */
export type JobSnapshot = JobSnapshotInfo;

/** What a running job gets: a cancel signal, a pause checkpoint and a way to report progress. */
export interface JobControl {
  signal: AbortSignal;
  /** Resolves at once while running; while paused, waits until resumed (or cancelled). */
  checkpoint(): Promise<void>;
  report(progress: { done: number; total: number | null; failed?: number; current?: string | null }): void;
}

interface Job extends JobSnapshot {
  run: (control: JobControl) => Promise<void>;
  abort: AbortController;
  meter: RateMeter;
  resumeWaiters: (() => void)[];
}

type Events = { update: [JobSnapshot] };

export class JobQueue extends EventEmitter<Events> {
  private readonly jobs = new Map<number, Job>();
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private running: Job | null = null;

  enqueue(kind: JobKind, run: (control: JobControl) => Promise<void>): JobSnapshot {
    const job: Job = {
      id: this.nextId++,
      kind,
      state: 'queued',
      progress: { done: 0, total: null, failed: 0, rate: 0, etaSeconds: null, current: null },
      error: null,
      run,
      abort: new AbortController(),
      meter: new RateMeter(),
      resumeWaiters: [],
    };
    this.jobs.set(job.id, job);
    this.waiting.push(job);
    this.publish(job);
    queueMicrotask(() => void this.startNext());
    return snapshot(job);
  }

  get(id: number): JobSnapshot | undefined {
    const job = this.jobs.get(id);
    return job ? snapshot(job) : undefined;
  }

  list(): JobSnapshot[] {
    return [...this.jobs.values()].map(snapshot);
  }

  pause(id: number): boolean {
    const job = this.jobs.get(id);
    if (!job || (job.state !== 'running' && job.state !== 'queued')) return false;
    job.state = 'paused';
    this.publish(job);
    return true;
  }

  resume(id: number): boolean {
    const job = this.jobs.get(id);
    if (!job || job.state !== 'paused') return false;
    job.state = this.running === job ? 'running' : 'queued';
    for (const wake of job.resumeWaiters.splice(0)) wake();
    this.publish(job);
    queueMicrotask(() => void this.startNext());
    return true;
  }

  /** Cancels a queued, paused or running job; a running one stops at its next checkpoint. */
  cancel(id: number): boolean {
    const job = this.jobs.get(id);
    if (!job || job.state === 'done' || job.state === 'cancelled' || job.state === 'failed') return false;
    job.abort.abort();
    for (const wake of job.resumeWaiters.splice(0)) wake();
    if (this.running !== job) {
      this.waiting.splice(this.waiting.indexOf(job), 1);
      job.state = 'cancelled';
      this.publish(job);
    }
    return true;
  }

  /** Resolves when the job has ended (done, cancelled or failed). */
  async settled(id: number): Promise<JobSnapshot> {
    const ended = (s: JobSnapshot) => s.state === 'done' || s.state === 'cancelled' || s.state === 'failed';
    const current = this.get(id);
    if (!current) throw new Error(`no job ${id}`);
    if (ended(current)) return current;
    return new Promise((resolve) => {
      const listener = (s: JobSnapshot) => {
        if (s.id === id && ended(s)) {
          this.off('update', listener);
          resolve(s);
        }
      };
      this.on('update', listener);
    });
  }

  private async startNext(): Promise<void> {
    if (this.running) return;
    // A paused queued job keeps its place but does not block the ones behind it.
    const index = this.waiting.findIndex((j) => j.state === 'queued');
    if (index < 0) return;
    const [job] = this.waiting.splice(index, 1);
    if (!job) return;
    this.running = job;
    job.state = 'running';
    this.publish(job);
    try {
      await job.run(this.controlFor(job));
      job.state = job.abort.signal.aborted ? 'cancelled' : 'done';
    } catch (error) {
      job.state = job.abort.signal.aborted ? 'cancelled' : 'failed';
      // The error's code travels with the job (model_not_found, download_failed…): the UI branches on it.
      job.error = job.state === 'failed' ? toErrorInfo(error) : null;
    }
    job.progress.current = null;
    this.running = null;
    this.publish(job);
    await this.startNext();
  }

  private controlFor(job: Job): JobControl {
    return {
      signal: job.abort.signal,
      checkpoint: () =>
        job.state === 'paused' && !job.abort.signal.aborted
          ? new Promise<void>((resolve) => job.resumeWaiters.push(resolve))
          : Promise.resolve(),
      report: ({ done, total, failed, current }) => {
        const { rate, etaSeconds } = job.meter.snapshot(done, total);
        job.progress = {
          done,
          total,
          failed: failed ?? job.progress.failed,
          rate,
          etaSeconds,
          current: current ?? null,
        };
        this.publish(job);
      },
    };
  }

  private publish(job: Job): void {
    this.emit('update', snapshot(job));
  }
}

function snapshot(job: Job): JobSnapshot {
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    progress: { ...job.progress },
    error: job.error === null ? null : { ...job.error },
  };
}
