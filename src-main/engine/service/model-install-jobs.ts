// models:install (engine): catalogue downloads as jobs on the app's queue: byte progress, pause, cancel, resume.

import { rm } from 'node:fs/promises';
import type { ModelSources } from '../config.js';
import type { CatalogEntry } from '../models/catalog.js';
import { DownloadError, type MinRate } from '../models/download.js';
import { installModel, modelUrl, verifyInstalled } from '../models/install.js';
import { findInstalled } from '../models/model-store.js';
import { loadSelfTestSpec, type SelfTestSpec } from '../models/self-test.js';
import type { JobControl, JobQueue, JobSnapshot } from '../jobs/job-queue.js';
import type { WorkerManager } from './worker-manager.js';
import { modelCatalog } from './settings-views.js';
import { AppError } from '../../shared/errors.js';
import type { SettingsStore } from './settings-store.js';
import { isFinished } from './tag-jobs.js';

export interface ModelInstallOptions {
  /** Self-test expectations file: default the shipped ImageNet photos; null skips the self-test. */
  selfTestFile?: string | null;
  /** Stop a download that receives nothing for this long (default: installModel's 30 s). */
  stallTimeoutMs?: number;
  /** Stop a download slower than this (default: installModel's 1 KiB/s over a minute). */
  minRate?: MinRate;
}

export interface ModelInstallDeps {
  queue: JobQueue;
  settings: SettingsStore;
  workers: WorkerManager;
  /** After a successful install: re-run what failed for want of a model. */
  installed: () => void;
  /** The models folder, catalogue and mirror (from the configuration, as for the CLI). */
  sources: ModelSources;
  options?: ModelInstallOptions;
}

/** What Node's resolver and sockets say when there is no network to reach the server over. */
const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'ENETDOWN', 'EHOSTUNREACH']);

/**
 * A download that failed because the computer is offline says so in words first, with the other ways to
 * get a model, and keeps the technical reason after it; every other failure passes through unchanged.
 */
export function explainOffline(error: unknown, url: string): unknown {
  if (!(error instanceof DownloadError) || error.kind !== 'network') return error;
  let code: string | undefined;
  for (let cause: unknown = error.cause, depth = 0; cause instanceof Error && depth < 5; depth++) {
    const candidate = (cause as NodeJS.ErrnoException).code;
    if (candidate !== undefined && OFFLINE_CODES.has(candidate)) code = candidate;
    cause = cause.cause;
  }
  if (code === undefined) return error;
  const host = URL.canParse(url) ? new URL(url).host : url;
  return new DownloadError(
    'network',
    `no internet connection: could not reach ${host} (${code}). Connect and try again, or use the ` +
      `offline demo model, or import a model file you already have.${error.partialKept ? ' The part downloaded so far is kept.' : ''}`,
    error.partialKept,
    { cause: error },
  );
}

/**
 * Progress is in bytes (done/total) with `current` naming the stage. The UI learns that the models
 * changed from the job's end (done, failed or cancelled) and refetches models:list then.
 */
export class ModelInstallJobs {
  /** Catalogue id → its unfinished install job: asking twice returns the same job. */
  private readonly active = new Map<string, number>();

  constructor(private readonly deps: ModelInstallDeps) {}

  async install(id: string): Promise<JobSnapshot> {
    const running = this.active.get(id);
    const existing = running === undefined ? undefined : this.deps.queue.get(running);
    if (existing !== undefined && !isFinished(existing.state)) return existing;
    const { sources } = this.deps;
    const catalog = await modelCatalog(sources.catalogFile);
    const entry = catalog.models.find((m) => m.id === id);
    if (entry === undefined) {
      throw new AppError(
        'not_found',
        `unknown model "${id}"; the catalogue has ${catalog.models.map((m) => m.id).join(', ')}`,
      );
    }
    const mirror = sources.mirror ?? undefined;
    try {
      // A bad mirror setting is the caller's problem now, not a failed job later.
      modelUrl(entry, mirror);
    } catch (error) {
      throw new AppError('bad_request', (error as Error).message, { cause: error });
    }
    let jobId = 0;
    const job = this.deps.queue.enqueue('model-install', (control) =>
      this.run(jobId, control, entry, sources.dir, mirror),
    );
    // The job starts in a later microtask, after this assignment.
    jobId = job.id;
    this.active.set(id, job.id);
    return job;
  }

  private async run(
    jobId: number,
    control: JobControl,
    entry: CatalogEntry,
    dir: string,
    mirror: string | undefined,
  ): Promise<void> {
    control.report({ done: 0, total: entry.bytes, current: 'checking' });
    const present = await findInstalled(entry.id, dir);
    if (present !== null) {
      if ((await verifyInstalled(entry, present.path)).ok) {
        control.report({ done: entry.bytes, total: entry.bytes, current: 'installed' });
        await this.activate(entry.id);
        return;
      }
      // A tampered model must never be used, not even while its replacement downloads (or if that fails).
      await rm(present.path, { force: true });
    }
    const selfTest = await this.selfTestSpec();
    if (await this.downloadPausable(jobId, control, entry, dir, mirror, selfTest)) {
      await this.activate(entry.id);
    }
  }

  /**
   * installModel cannot pause, but a download resumes from its partial file: pausing aborts the transfer,
   * waits at the job's checkpoint, then installs again from where it stopped. Cancelling keeps the partial
   * file too, so a later install of the same model resumes. False when cancelled before it finished.
   */
  private async downloadPausable(
    jobId: number,
    control: JobControl,
    entry: CatalogEntry,
    dir: string,
    mirror: string | undefined,
    selfTest: SelfTestSpec | null,
  ): Promise<boolean> {
    const { queue, options } = this.deps;
    for (;;) {
      await control.checkpoint();
      if (control.signal.aborted) return false;
      const attempt = new AbortController();
      const onUpdate = (job: JobSnapshot) => {
        if (job.id === jobId && job.state === 'paused') attempt.abort();
      };
      queue.on('update', onUpdate);
      try {
        await installModel(entry, {
          dir,
          ...(mirror ? { mirror } : {}),
          selfTest,
          signal: AbortSignal.any([control.signal, attempt.signal]),
          ...(options?.stallTimeoutMs ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
          ...(options?.minRate ? { minRate: options.minRate } : {}),
          onProgress: (p) =>
            control.report({
              done: p.bytes,
              total: p.total,
              // Once every byte is there, downloadVerified hashes the file before returning.
              current: p.bytes < p.total ? 'downloading' : 'verifying',
            }),
          onStage: (stage) => {
            if (stage === 'download') return;
            const current = stage === 'self-test' ? 'self-test' : 'installing';
            control.report({ done: entry.bytes, total: entry.bytes, current });
          },
        });
        // Installed even when cancelled during the self-test (which cannot stop): the file is good to use.
        return true;
      } catch (error) {
        const paused = attempt.signal.aborted && !control.signal.aborted;
        if (!paused || !(error instanceof DownloadError && error.kind === 'cancelled'))
          throw explainOffline(error, modelUrl(entry, mirror));
      } finally {
        queue.off('update', onUpdate);
      }
    }
  }

  private async selfTestSpec(): Promise<SelfTestSpec | null> {
    const file = this.deps.options?.selfTestFile;
    return file === null ? null : loadSelfTestSpec(file);
  }

  /** The first model installed becomes the app's model; the engine reopens with it at the next job. */
  private async activate(id: string): Promise<void> {
    const current = this.deps.settings.get().model;
    if (current === null) await this.deps.settings.update({ model: id });
    // Also when reinstalled over a corrupt copy: the engine must not keep the old file open.
    if (current === null || current === id) this.deps.workers.invalidate();
    this.deps.installed();
  }
}
