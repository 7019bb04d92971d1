// Library tagging job (engine): scan inputs incrementally, classify only what is new or changed, commit results.

import path from 'node:path';
import type { FileErrorCode } from '../../shared/file-errors.js';
import type { FileResult } from '../../shared/results.js';
import type { LeaseHolder, Library, WriterKind } from '../library/library.js';
import type { ModelIdentity } from '../models/locate-model.js';
import type { TaggingRules } from '../tagging/tag-rules.js';
import { RateMeter } from '../pipeline/rate-meter.js';
import { planInputs, type DroppedInput } from '../scan/input-set.js';
import { inShard, type Shard } from '../scan/shard.js';
import { countInputs, walkInputs } from '../scan/walker.js';
import type { WorkerSupervisor } from '../worker/worker-supervisor.js';
import { isProcessAlive } from '../process-alive.js';
import { isAtOrUnderFolder } from '../library/path-prefix.js';
import {
  KeywordImporter,
  recordEmbeddingOnly,
  recordResult,
  ResultCommitter,
  walkErrorResult,
} from './result-writer.js';
import { decideSeen, scopeFor, statSeen, type ScanOutcome } from './scan-decision.js';
import { WriterLease } from './writer-lease.js';
import { PersonalScorer } from '../learning/personal-scorer.js';

export interface LibraryTagProgress {
  /** Files looked at so far (unchanged ones included) and in all (null while counting). */
  seen: number;
  total: number | null;
  classified: number;
  failed: number;
  rate: number;
  etaSeconds: number | null;
  current: string | null;
}

export interface LibraryTagSummary {
  counts: Record<ScanOutcome, number>;
  ok: number;
  failed: number;
  crashed: number;
  missing: number;
  /** Files that are not photos (and hidden or system entries) passed over by the walk. */
  skipped: number;
  failedByCode: Partial<Record<FileErrorCode, number>>;
  cancelled: boolean;
  seconds: number;
  jobId: number | null;
  /** Inputs not walked on their own: named twice, or inside another input (see planInputs). */
  dropped: DroppedInput[];
  /** Photos passed over because they belong to another shard (`shard`); 0 without one. */
  otherShards: number;
}

export interface LibraryTagOptions {
  library: Library;
  /**
   * The worker process, or how to start it: started only when the first photo needs classifying, so a
   * scan that finds nothing new never loads the model (the caller closes what it started).
   */
  engine: WorkerSupervisor | (() => Promise<WorkerSupervisor>);
  model: ModelIdentity;
  inputs: string[];
  /** Record folders as watched (skiptag watch); `tag` leaves an existing watch setting alone. */
  watch?: boolean;
  includeHidden?: boolean;
  signal?: AbortSignal;
  /** Thresholds, aliases and rollups turning predictions into tags; without it, labels are the tags. */
  tagRules?: TaggingRules;
  /** Awaited before each file: how a paused job waits (see JobQueue). */
  checkpoint?: () => Promise<void>;
  /** Record the run in the jobs table (default); the watcher's small follow-up runs do not. */
  recordJob?: boolean;
  /**
   * Only the photos of this shard (`tag --shard i/n`, see scan/shard.ts). A shard's scan cannot tell
   * what disappeared (it does not look at the other shards' photos), so it marks nothing missing.
   */
  shard?: Shard;
  /** Files per classify request sent to the engine process. */
  chunkSize?: number;
  onProgress?: (progress: LibraryTagProgress) => void;
  /** Every classified (or failed) file, as it is committed; imageId is null for walk errors. */
  onResult?: (result: FileResult, outcome: ScanOutcome, imageId: number | null) => void;
  /** Import keywords other tools wrote (sidecars, embedded) as accepted user tags of new or changed photos. */
  importKeywords?: boolean;
  /**
   * Who is writing, for the library's writer lease (default: a `tag` run that fails at once when another
   * run holds the library). The run holds the lease from start to end; see jobs/writer-lease.ts.
   */
  writer?:
    | {
        kind: WriterKind;
        /** Wait for the run holding the library instead of failing with LibraryBusyError. */
        wait?: boolean;
        busyHint?: string;
        onWaiting?: (holder: LeaseHolder) => void;
      }
    /** A lease the caller took (and releases): the app's jobs hold it from their start. */
    | { held: WriterLease };
}

interface WorkItem {
  id: number;
  path: Buffer;
  display: string;
  outcome: ScanOutcome;
  embeddingOnly: boolean;
}

export async function tagIntoLibrary(options: LibraryTagOptions): Promise<LibraryTagSummary> {
  const started = performance.now();
  const { library, signal } = options;
  const { inputs, dropped } = await planInputs(options.inputs, {
    includeHidden: options.includeHidden ?? false,
  });
  const writer = options.writer ?? { kind: 'tag' };
  if ('held' in writer) return tagWithLease({ ...options, inputs }, writer.held, started, dropped);
  let lease: WriterLease;
  try {
    lease = await WriterLease.acquire(library, {
      kind: writer.kind,
      wait: writer.wait ?? false,
      ...(writer.busyHint !== undefined ? { busyHint: writer.busyHint } : {}),
      ...(writer.onWaiting ? { onWaiting: writer.onWaiting } : {}),
      ...(signal ? { signal } : {}),
      ...(options.checkpoint ? { checkpoint: options.checkpoint } : {}),
    });
  } catch (error) {
    // Stopped while waiting for another run: nothing was done, nothing to undo.
    if (signal?.aborted) return { ...emptySummary(null, dropped), cancelled: true };
    throw error;
  }
  try {
    return await tagWithLease({ ...options, inputs }, lease, started, dropped);
  } finally {
    lease.release();
  }
}

function emptySummary(jobId: number | null, dropped: DroppedInput[]): LibraryTagSummary {
  return {
    counts: { new: 0, changed: 0, moved: 0, unchanged: 0, retry: 0 },
    ok: 0,
    failed: 0,
    crashed: 0,
    missing: 0,
    skipped: 0,
    failedByCode: {},
    cancelled: false,
    seconds: 0,
    jobId,
    dropped,
    otherShards: 0,
  };
}

async function tagWithLease(
  options: LibraryTagOptions,
  lease: WriterLease,
  started: number,
  dropped: DroppedInput[],
): Promise<LibraryTagSummary> {
  const { library, signal } = options;
  const engine = lazyEngine(options.engine);
  // Scan numbers are compared only within this run, which holds the lease (see markUnseenMissingUnder).
  const scan = Date.now();
  const modelId = library.ensureModel(options.model.sha256, options.model.name);
  // Only a model that exposes its features asks photos classified before for them.
  const wantEmbedding = await wantsEmbeddings(engine, library, modelId);
  // Learned before this run (skiptag learn, the app's retraining): suggested on the photos it classifies.
  const personal = PersonalScorer.load(library, modelId, options.tagRules ?? null);
  if (options.recordJob !== false) closeAbandonedJobs(library);
  const jobId =
    options.recordJob === false
      ? null
      : library.createJob('tag', { inputs: options.inputs, model: options.model.name, pid: process.pid });
  const committer = new ResultCommitter(library);
  const importer = options.importKeywords ? new KeywordImporter(library) : null;
  const flushTimer = setInterval(() => committer.flush(), 1000);
  const summary = emptySummary(jobId, dropped);
  const meter = new RateMeter();
  let seen = 0;
  let total: number | null = null;
  let current: string | null = null;
  const walkOptions = { includeHidden: options.includeHidden ?? false, ...(signal ? { signal } : {}) };
  countInputs(options.inputs, walkOptions).then(
    (n) => (total = n),
    () => undefined,
  );
  const report = () => {
    if (!options.onProgress) return;
    const { rate, etaSeconds } = meter.snapshot(seen, total);
    options.onProgress({
      seen,
      total,
      classified: summary.ok,
      failed: summary.failed,
      rate,
      etaSeconds,
      current,
    });
  };

  const inFlight: Promise<void>[] = [];
  /** Images handed to the engine and not answered yet: a path met twice in one run is sent once. */
  const pending = new Set<number>();
  let chunk: WorkItem[] = [];
  const chunkSize = options.chunkSize ?? 32;
  const dispatch = async () => {
    if (chunk.length === 0) return;
    const items = chunk;
    chunk = [];
    const byId = new Map(items.map((item) => [item.id, item]));
    inFlight.push(
      engine
        .classify(
          items.map(({ id, path, display }) => ({ id, path, display })),
          (id, result) => {
            const item = byId.get(id);
            if (!item) return;
            pending.delete(id);
            // Scores that are not numbers are the model's failure, not the photo's: nothing is recorded,
            // so the photo keeps what it had and is tried again next run.
            if (result.errorCode !== 'model_output_invalid') {
              const record = item.embeddingOnly ? recordEmbeddingOnly : recordResult;
              committer.add(() =>
                record(library, item.id, result, modelId, options.tagRules ?? null, personal),
              );
            }
            if (result.status === 'ok') summary.ok += 1;
            else {
              summary.failed += 1;
              const code = result.errorCode ?? 'internal';
              summary.failedByCode[code] = (summary.failedByCode[code] ?? 0) + 1;
            }
            if (
              importer &&
              result.status === 'ok' &&
              (item.outcome === 'new' || item.outcome === 'changed')
            ) {
              importer.add(item.id, item.path, item.display, result.embeddedMetadata ?? null);
            }
            options.onResult?.(result, item.outcome, item.id);
            report();
          },
        )
        .then(({ crashed }) => {
          summary.crashed += crashed.length;
          for (const id of crashed) {
            pending.delete(id);
            committer.add(() =>
              library.recordFailure(
                id,
                {
                  code: 'internal',
                  message: 'the decoder crashed on this file twice; skipped until it changes',
                },
                'crashed',
              ),
            );
          }
        }),
    );
    // Awaited below; until then a failure (the engine failing to start) must not count as unhandled.
    void inFlight.at(-1)?.catch(() => undefined);
    // Two requests queued in the engine keep it busy while the next chunk is being scanned.
    if (inFlight.length >= 2) await inFlight.shift();
  };

  try {
    for (const input of options.inputs) {
      const absolute = path.resolve(input);
      const scope = await scopeFor(library, absolute, options.watch ?? false, options.includeHidden ?? false);
      let completed = false;
      try {
        for await (const item of walkInputs([absolute], walkOptions)) {
          if (options.checkpoint) await options.checkpoint();
          if (signal?.aborted) break;
          lease.assertHeld();
          if (item.kind === 'skipped') {
            summary.skipped += 1;
            continue;
          }
          seen += 1;
          current = item.display;
          // Counted as seen (the progress total counts every file), then left to its own shard.
          if (options.shard && item.kind === 'file' && !inShard(item.path, options.shard)) {
            summary.otherShards += 1;
            continue;
          }
          if (item.kind === 'error') {
            // Not a photo the library can hold (a broken link, an unreadable folder): reported, not recorded.
            summary.failed += 1;
            summary.failedByCode[item.code] = (summary.failedByCode[item.code] ?? 0) + 1;
            options.onResult?.(walkErrorResult(item, options.model.name), 'new', null);
            continue;
          }
          let decision;
          try {
            const seenFile = await statSeen(item.path, item.display);
            decision = decideSeen(library, seenFile, scope.folderOf(item.path), scan, modelId, wantEmbedding);
          } catch {
            // Gone between listing and stat: the next scan will mark it missing.
            continue;
          }
          summary.counts[decision.outcome] += 1;
          if (decision.needsWork && !pending.has(decision.imageId)) {
            pending.add(decision.imageId);
            chunk.push({
              id: decision.imageId,
              path: item.path,
              display: item.display,
              outcome: decision.outcome,
              embeddingOnly: decision.embeddingOnly ?? false,
            });
            if (chunk.length >= chunkSize) await dispatch();
          }
          if (seen % 256 === 0) report();
        }
        completed = true;
      } catch (error) {
        if (!signal?.aborted) throw error;
      }
      if (!completed || signal?.aborted) break;
      // Only a walk of the whole folder can tell what disappeared from it.
      if (scope.isFolder) {
        // A shard sees only its share of the folder, so it cannot tell what disappeared from it.
        const missing = options.shard
          ? 0
          : library.markUnseenMissingUnder(Buffer.from(absolute), scope.covered, scan, lease.token);
        if (missing === null) throw lease.lost();
        summary.missing += missing;
        const at = new Date().toISOString();
        for (const folderId of scope.covered) {
          const folder = library.getFolder(folderId);
          if (folder && isAtOrUnderFolder(Buffer.from(absolute), folder.path))
            library.markFolderScanned(folderId, at);
        }
      }
    }
    await dispatch();
    while (inFlight.length > 0) await inFlight.shift();
  } finally {
    clearInterval(flushTimer);
    await Promise.allSettled(inFlight);
    committer.flush();
    await importer?.close();
  }
  summary.cancelled = signal?.aborted ?? false;
  summary.seconds = (performance.now() - started) / 1000;
  if (jobId !== null) {
    library.updateJobProgress(jobId, { done: seen, failed: summary.failed, total: total ?? seen });
    library.finishJob(jobId, summary.cancelled ? 'cancelled' : 'done');
  }
  current = null;
  report();
  return summary;
}

/** A started engine, or one started on first use (once). */
interface LazyEngine {
  classify: WorkerSupervisor['classify'];
  start: () => Promise<WorkerSupervisor>;
}

/** The engine's classify, starting the engine on first use when the caller gave a way to start it (once). */
function lazyEngine(engine: LibraryTagOptions['engine']): LazyEngine {
  if (typeof engine !== 'function') {
    return {
      classify: (items, onResult) => engine.classify(items, onResult),
      start: () => Promise.resolve(engine),
    };
  }
  let started: Promise<WorkerSupervisor> | null = null;
  const start = () => (started ??= engine());
  return { classify: (items, onResult) => start().then((e) => e.classify(items, onResult)), start };
}

/**
 * Whether photos classified without an embedding from this model are run again for it. The library
 * answers when it can, so an unchanged folder still never starts the engine: it holds this model's
 * embeddings (the model has features), or no classified photo lacks one (nothing to catch up on).
 * Otherwise only the model can tell; a failure to start is left for the first classify to report.
 */
async function wantsEmbeddings(engine: LazyEngine, library: Library, modelId: number): Promise<boolean> {
  if (library.embeddings.count(modelId) > 0) return true;
  if (!library.embeddings.anyClassifiedWithout(modelId)) return false;
  try {
    const started = await engine.start();
    await started.opened;
    return started.ready.embeddingOff === null;
  } catch {
    return false;
  }
}

/**
 * Jobs left 'running' by a process that was killed can never finish; their work is simply redone by
 * this scan. Jobs of a process that is still alive (watch beside us) are left alone.
 */
function closeAbandonedJobs(library: Library): void {
  for (const job of library.unfinishedJobs()) {
    const pid = (job.params as { pid?: unknown } | null)?.pid;
    if (typeof pid === 'number' && pid !== process.pid && isProcessAlive(pid)) continue;
    library.finishJob(job.id, 'failed');
  }
}
