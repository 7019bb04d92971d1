// Tagging jobs of the app (engine): folder scans and watcher batches on one JobQueue, the engine started on demand.

import path from 'node:path';
import type { FileResult } from '../../shared/results.js';
import { JobQueue, type JobControl, type JobSnapshot } from '../jobs/job-queue.js';
import { tagIntoLibrary } from '../jobs/tag-into-library.js';
import { describeHolder, WriterLease } from '../jobs/writer-lease.js';
import type { Library } from '../library/library.js';
import { ModelNotFoundError } from '../models/locate-model.js';
import type { WorkerManager } from './worker-manager.js';

export interface TagJobsOptions {
  /** The library the runs write to; the service hears of their commits through Library.onCommit. */
  library: Library;
  workers: WorkerManager;
  includeHidden: boolean;
  /** Pause before a watcher batch starts, so a burst of arriving files becomes one run. */
  batchDelayMs?: number;
  onResult?: (result: FileResult) => void;
}

/** Finished jobs kept for jobs:list besides the unfinished ones. */
const FINISHED_KEPT = 20;

/** How an input that failed for want of a model is run again: as a folder scan (watching or not) or a watcher file. */
type Retry = 'scan-watch' | 'scan' | 'file';

/**
 * Kinds: 'tag' (a folder added or rescanned, or the catch-up at startup) and 'watch' (files the watcher
 * reported). Everything that uses the engine goes through the one queue, so runs never overlap; model
 * installs and XMP writes queue there too (model-install-jobs.ts, xmp-jobs.ts) and show in jobs:list.
 */
export class TagJobs {
  readonly queue = new JobQueue();
  /** Inputs of each job, so removing a folder can cancel the jobs that would write into it. */
  private readonly inputs = new Map<number, string[]>();
  private readonly arrived = new Set<string>();
  /** The watch job that has not taken its batch of files yet: new arrivals join it. */
  private openWatchJob: number | null = null;
  /** Inputs of runs that failed because no model could be located (first run), until one is installed. */
  private readonly needModel = new Map<string, Retry>();

  constructor(private readonly options: TagJobsOptions) {}

  /** Scans folders (recursively, incrementally) and classifies what is new or changed. */
  scanFolders(folders: string[], watch: boolean): JobSnapshot {
    const job = this.queue.enqueue('tag', (control) =>
      this.run(control, folders, { watch, recordJob: true }, watch ? 'scan-watch' : 'scan'),
    );
    this.inputs.set(job.id, folders);
    return job;
  }

  /** Files the watcher saw arrive or change: joined to the watch job that has not started yet, if any. */
  filesChanged(files: readonly string[]): void {
    for (const file of files) this.arrived.add(file);
    const open = this.openWatchJob === null ? undefined : this.queue.get(this.openWatchJob);
    if (open !== undefined && !isFinished(open.state)) return;
    const job = this.queue.enqueue('watch', async (control) => {
      await delay(this.options.batchDelayMs ?? 250, control.signal);
      if (control.signal.aborted) return;
      this.openWatchJob = null;
      const batch = [...this.arrived];
      this.arrived.clear();
      this.inputs.set(job.id, batch);
      // The watcher's follow-up runs are not recorded as library jobs, like `skiptag watch`.
      await this.run(control, batch, { watch: false, recordJob: false, includeHidden: true }, 'file');
    });
    this.inputs.set(job.id, []);
    this.openWatchJob = job.id;
  }

  /**
   * Cancels the jobs with an input at or under `folder`, forgets arrived files there, and waits until
   * those jobs have stopped: the folder is about to be removed and nothing may write into it afterwards.
   */
  async cancelUnder(folder: string): Promise<void> {
    for (const file of this.arrived) if (isAtOrUnder(file, folder)) this.arrived.delete(file);
    for (const input of this.needModel.keys()) if (isAtOrUnder(input, folder)) this.needModel.delete(input);
    const stopping: Promise<JobSnapshot>[] = [];
    for (const job of this.queue.list()) {
      const inputs = this.inputs.get(job.id) ?? [];
      const touches = inputs.some((input) => isAtOrUnder(input, folder));
      if (touches && this.queue.cancel(job.id)) stopping.push(this.queue.settled(job.id));
    }
    await Promise.all(stopping);
  }

  /**
   * A model was installed: what failed for want of one runs again, so folders added on a first run get
   * tagged once the download finishes, without the user adding them again.
   */
  retryAfterModelInstalled(): void {
    const inputs = [...this.needModel];
    this.needModel.clear();
    const of = (retry: Retry) => inputs.filter(([, r]) => r === retry).map(([input]) => input);
    if (of('scan-watch').length > 0) this.scanFolders(of('scan-watch'), true);
    if (of('scan').length > 0) this.scanFolders(of('scan'), false);
    if (of('file').length > 0) this.filesChanged(of('file'));
  }

  /** Unfinished jobs and the most recent finished ones, oldest first. */
  list(): JobSnapshot[] {
    const all = this.queue.list();
    const finished = all.filter((j) => isFinished(j.state));
    const keep = new Set(finished.slice(-FINISHED_KEPT).map((j) => j.id));
    return all.filter((j) => !isFinished(j.state) || keep.has(j.id));
  }

  /** Cancels everything and waits for the running job to stop (its finished results are committed). */
  async close(): Promise<void> {
    const jobs = this.queue.list().filter((j) => !isFinished(j.state));
    for (const job of jobs) this.queue.cancel(job.id);
    await Promise.all(jobs.map((j) => this.queue.settled(j.id)));
  }

  private async run(
    control: JobControl,
    inputs: string[],
    how: { watch: boolean; recordJob: boolean; includeHidden?: boolean },
    retry: Retry,
  ): Promise<void> {
    if (inputs.length === 0 || control.signal.aborted) return;
    control.report({ done: 0, total: null, current: null });
    // The CLI (tag, watch) may be writing to the same library: the job waits its turn and says for whom.
    // Held from the job's start, pauses included: a paused job keeps its place in the library too.
    let writer: WriterLease;
    try {
      writer = await WriterLease.acquire(this.options.library, {
        kind: 'app',
        wait: true,
        signal: control.signal,
        checkpoint: control.checkpoint,
        onWaiting: (holder) =>
          control.report({
            done: 0,
            total: null,
            current: `waiting for the library: ${describeHolder(holder)} is using it`,
          }),
      });
    } catch (error) {
      if (control.signal.aborted) return;
      throw error;
    }
    try {
      control.report({ done: 0, total: null, current: null });
      await this.tagHolding(writer, control, inputs, how, retry);
    } finally {
      writer.release();
    }
  }

  private async tagHolding(
    writer: WriterLease,
    control: JobControl,
    inputs: string[],
    how: { watch: boolean; recordJob: boolean; includeHidden?: boolean },
    retry: Retry,
  ): Promise<void> {
    let lease;
    try {
      lease = await this.options.workers.acquire();
    } catch (error) {
      // The job fails with code model_not_found (the UI offers the download for it) and the first-run message.
      if (error instanceof ModelNotFoundError) for (const input of inputs) this.needModel.set(input, retry);
      throw error;
    }
    const { engine, model } = lease;
    await control.checkpoint();
    if (control.signal.aborted) return;
    await tagIntoLibrary({
      writer: { held: writer },
      library: this.options.library,
      engine,
      model,
      inputs,
      watch: how.watch,
      recordJob: how.recordJob,
      includeHidden: how.includeHidden ?? this.options.includeHidden,
      signal: control.signal,
      checkpoint: control.checkpoint,
      onProgress: (p) =>
        control.report({ done: p.seen, total: p.total, failed: p.failed, current: p.current }),
      ...(this.options.onResult ? { onResult: this.options.onResult } : {}),
    });
  }
}

export function isFinished(state: JobSnapshot['state']): boolean {
  return state === 'done' || state === 'cancelled' || state === 'failed';
}

function isAtOrUnder(input: string, folder: string): boolean {
  const relative = path.relative(folder, input);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
