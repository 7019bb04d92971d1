// Tagging without a library (CLI): walks the inputs, classifies every photo in the worker process, reports results in input order.

import type { FileResult } from '../../shared/results.js';
import { errorResult } from '../../shared/results.js';
import type { TagProgress, TagSummary } from '../pipeline/classify-items.js';
import { OrderedEmitter } from '../pipeline/queues.js';
import { RateMeter } from '../pipeline/rate-meter.js';
import { countInputs, walkInputs } from '../scan/walker.js';
import type { WorkerSupervisor, WorkItem } from '../worker/worker-supervisor.js';

export interface TagFilesOptions {
  /** A supervisor with the model open: decoding and inference happen in its worker, never here. */
  engine: WorkerSupervisor;
  inputs: string[];
  includeHidden?: boolean;
  signal?: AbortSignal;
  /** Files per classify request; two requests stay queued in the worker so it never waits for the walk. */
  chunkSize?: number;
  /** Every file's result, in the order the walk found the files (failures included). */
  onResult: (result: FileResult) => Promise<void>;
  onProgress?: (progress: TagProgress) => void;
}

/**
 * The same path as tagging into the library, minus the library: a crash on a poison file restarts the
 * worker and that file gets an `internal` error result, exactly as `tag` with a library does.
 */
export async function tagFiles(options: TagFilesOptions): Promise<TagSummary> {
  const started = performance.now();
  const { engine, signal } = options;
  const summary: TagSummary = {
    ok: 0,
    failed: 0,
    skipped: 0,
    failedByCode: {},
    seconds: 0,
    cancelled: false,
  };
  const meter = new RateMeter();
  let total: number | null = null;
  let done = 0;
  let current: string | null = null;
  const walkOptions = { includeHidden: options.includeHidden ?? false, ...(signal ? { signal } : {}) };
  countInputs(options.inputs, walkOptions).then(
    (n) => (total = n),
    () => undefined,
  );
  const report = () => {
    if (!options.onProgress) return;
    const { rate, etaSeconds } = meter.snapshot(done, total);
    options.onProgress({ done, total, ...summary, rate, etaSeconds, current });
  };
  const emitter = new OrderedEmitter<FileResult>(async (result) => {
    done += 1;
    if (result.status === 'ok') summary.ok += 1;
    else {
      summary.failed += 1;
      const code = result.errorCode ?? 'internal';
      summary.failedByCode[code] = (summary.failedByCode[code] ?? 0) + 1;
    }
    await options.onResult(result);
    report();
  });

  const inFlight: Promise<unknown>[] = [];
  const chunkSize = options.chunkSize ?? 32;
  let chunk: WorkItem[] = [];
  const dispatch = async () => {
    if (chunk.length === 0) return;
    const items = chunk;
    chunk = [];
    // Results are written one at a time (the supervisor chains onResult calls), in the order they arrive.
    inFlight.push(engine.classify(items, (id, result) => emitter.put(id, result)));
    if (inFlight.length >= 2) await inFlight.shift();
  };

  const timer = options.onProgress ? setInterval(report, 1000) : null;
  let seq = 0;
  try {
    try {
      for await (const item of walkInputs(options.inputs, walkOptions)) {
        if (signal?.aborted) break;
        if (item.kind === 'skipped') {
          summary.skipped += 1;
          continue;
        }
        const id = seq++;
        current = item.display;
        if (item.kind === 'error') {
          const result = errorResult({
            path: item.display,
            code: item.code,
            message: item.message,
            model: engine.ready.modelName,
            provider: engine.provider,
          });
          await emitter.put(id, result);
          continue;
        }
        chunk.push({ id, path: item.path, display: item.display });
        if (chunk.length >= chunkSize) await dispatch();
      }
    } catch (error) {
      // The walker ends an aborted walk by throwing the abort reason; cancelling is not a failure.
      if (!signal?.aborted) throw error;
    }
    // A cancelled run still finishes the photos already handed to the worker: their results are written.
    if (!signal?.aborted) await dispatch();
    while (inFlight.length > 0) await inFlight.shift();
  } finally {
    if (timer) clearInterval(timer);
    await Promise.allSettled(inFlight);
  }
  summary.cancelled = signal?.aborted ?? false;
  summary.seconds = (performance.now() - started) / 1000;
  current = null;
  report();
  return summary;
}
