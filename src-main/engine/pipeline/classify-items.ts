// Classification pipeline (engine): folders or file items → read + decode + preprocess (overlapping inference) → batch → classify → results.

import { availableParallelism } from 'node:os';
import type { FileErrorCode } from '../../shared/file-errors.js';
import { encodeEmbedding } from '../../shared/embedding-codec.js';
import { type ClassLabel, errorResult, type FileResult } from '../../shared/results.js';
import type { Classifier } from '../classify/classifier.js';
import type { ModelIo } from '../classify/model-io.js';
import { softmax, topK } from '../classify/postprocess.js';
import type { DecodeGate } from '../imaging/preprocess.js';
import type { PreprocessSpec } from '../imaging/preprocess-spec.js';
import { describeReadFailure, loadAndPreprocess } from '../imaging/photo-input.js';
import { DEFAULT_MAX_FILE_BYTES } from '../imaging/read-photo.js';
import type { WalkItem } from '../scan/walk-items.js';
import { type BudgetEvent, DecodeBudget, DEFAULT_DECODE_BUDGET_BYTES } from './decode-budget.js';
import { AsyncQueue, OrderedEmitter, Slots } from './queues.js';
import { countInputs, walkInputs } from '../scan/walker.js';
import { RateMeter } from './rate-meter.js';

export interface TagProgress {
  done: number;
  /** Files to do in all; null while the counting pass is still running. */
  total: number | null;
  ok: number;
  failed: number;
  skipped: number;
  rate: number;
  etaSeconds: number | null;
  current: string | null;
}

export interface TagSummary {
  ok: number;
  failed: number;
  skipped: number;
  failedByCode: Partial<Record<FileErrorCode, number>>;
  seconds: number;
  cancelled: boolean;
}

/** Settings shared by folder tagging and classifying a given stream of files. */
export interface ClassifyOptions<T extends WalkItem = WalkItem> {
  /**
   * The model, or its opening: given a promise, photos start decoding at once (with `preprocess`, which
   * must then be known before the model is open) and inference waits for it. A worker process decodes
   * while its session opens that way.
   */
  classifier: Classifier | Promise<Classifier>;
  labels: readonly ClassLabel[] | Promise<readonly ClassLabel[]>;
  preprocess: PreprocessSpec;
  /** Model name recorded with every result. */
  modelName: string;
  topK: number;
  threshold: number;
  batchSize: number;
  /**
   * Photos in the first batch (default batchSize): the worker's first request sends 1, so a cold start
   * shows its first result after one photo's inference instead of a whole batch's.
   */
  firstBatchSize?: number;
  maxFileBytes?: number;
  /**
   * Decoded pixels the concurrent decodes may hold together, in bytes (DEFAULT_DECODE_BUDGET_BYTES): with one
   * decode per libuv thread, peak memory would otherwise grow with the core count.
   */
  decodeBudgetBytes?: number;
  signal?: AbortSignal;
  /** Each result with the item it came from (the library keys results by the item's byte path). */
  onResult: (result: FileResult, item: T) => Promise<void>;
  onProgress?: (progress: TagProgress) => void;
  /** Timing events for diagnostics and the overlap test: when decodes and inference runs start and end. */
  trace?: (event: TraceEvent) => void;
}

export type TraceEvent =
  | { kind: 'decode-start' | 'decode-end' | 'infer-start' | 'infer-end'; at: number }
  | (BudgetEvent & { at: number });

export interface TagOptions extends ClassifyOptions {
  inputs: string[];
  includeHidden?: boolean;
}

/** Tags every photo under `inputs`; results arrive through onResult in input order. */
export function tagPhotos(options: TagOptions): Promise<TagSummary> {
  const walkOptions = {
    includeHidden: options.includeHidden ?? false,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  // The counting pass runs beside the real walk so progress can show a total and an ETA early.
  const total = countInputs(options.inputs, walkOptions);
  total.catch(() => undefined);
  return classifyItems(walkInputs(options.inputs, walkOptions), options, total);
}

type Decoded =
  | {
      seq: number;
      display: string;
      source: WalkItem;
      ok: true;
      tensor: Float32Array;
      width: number;
      height: number;
      format: string;
      takenAt: string | null;
      embeddedMetadata: boolean | null;
      bytes: number;
      sha256: string;
    }
  | {
      seq: number;
      display: string;
      source: WalkItem;
      ok: false;
      code: FileErrorCode;
      message: string;
      bytes?: number;
      sha256?: string;
    };

/** A classified batch: class scores and, when the model exposes them, pooled features, for every run slot. */
interface RunBatch {
  batch: BatchItem[];
  logits: Float32Array;
  embedding: Float32Array | null;
}

interface BatchItem {
  seq: number;
  display: string;
  source: WalkItem;
  decoded: Extract<Decoded, { ok: true }>;
}

/**
 * Classifies a stream of walk items (files are decoded and classified, errors and skips are reported);
 * results arrive through onResult in stream order. `total`, when given, feeds progress and ETA.
 */
export async function classifyItems<T extends WalkItem>(
  items: AsyncIterable<T>,
  options: ClassifyOptions<T>,
  total?: Promise<number>,
): Promise<TagSummary> {
  const started = performance.now();
  const { preprocess, signal, trace } = options;
  // Settled at once when the model is open already; otherwise decoding starts below while it opens.
  const opening = Promise.all([options.classifier, options.labels]);
  opening.catch(() => undefined);
  const imageFloats = 3 * preprocess.cropHeight * preprocess.cropWidth;
  // Two batches ahead of the one being classified, plus one decode per libuv thread, keep every core
  // busy without unbounded memory. A model with a fixed batch adds its slots once it is open.
  const decodeThreads = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const slots = new Slots(Math.max(1, options.batchSize) * 2 + decodeThreads);
  // While the model opens (given as a promise), one core is left to the opening: decoding on every core
  // beside it slowed a ResNet-50 session's creation fourfold (measured: 0.15 s -> 0.63 s on 2 cores).
  // Only the pixel decoding waits; reading files goes on.
  const whileOpening = new Slots(Math.max(1, availableParallelism() - 1));
  opening.then(
    () => whileOpening.close(),
    () => whileOpening.close(),
  );
  const gateFor =
    (file: string): DecodeGate =>
    async (bytes) => {
      await whileOpening.acquire();
      const release = await budget.gateFor(file)(bytes);
      return () => {
        release();
        whileOpening.release();
      };
    };
  // Set once the model is open (below, before the first batch); only batches and failures read them.
  let classifier!: Classifier;
  let io!: ModelIo;
  let labels!: readonly ClassLabel[];
  let batchSize = Math.max(1, options.batchSize);
  // Slots bound how many images are in flight; the budget bounds the pixels they decode at once.
  const budget = new DecodeBudget(
    options.decodeBudgetBytes ?? DEFAULT_DECODE_BUDGET_BYTES,
    trace ? (event) => trace({ ...event, at: performance.now() }) : undefined,
  );
  const decodedQueue = new AsyncQueue<Promise<Decoded>>();
  const summary: TagSummary = {
    ok: 0,
    failed: 0,
    skipped: 0,
    failedByCode: {},
    seconds: 0,
    cancelled: false,
  };
  const meter = new RateMeter();
  let knownTotal: number | null = null;
  let done = 0;
  let current: string | null = null;
  let stopped = false;

  const report = () => {
    if (!options.onProgress) return;
    const { rate, etaSeconds } = meter.snapshot(done, knownTotal);
    options.onProgress({
      done,
      total: knownTotal,
      ok: summary.ok,
      failed: summary.failed,
      skipped: summary.skipped,
      rate,
      etaSeconds,
      current,
    });
  };

  const emitter = new OrderedEmitter<{ result: FileResult; source: WalkItem }>(async ({ result, source }) => {
    done += 1;
    if (result.status === 'ok') summary.ok += 1;
    else {
      summary.failed += 1;
      const code = result.errorCode ?? 'internal';
      summary.failedByCode[code] = (summary.failedByCode[code] ?? 0) + 1;
    }
    // Items come back exactly as the caller's stream yielded them.
    await options.onResult(result, source as T);
    report();
  });

  total?.then(
    (count) => {
      knownTotal = count;
    },
    () => undefined,
  );

  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const produce = async () => {
    let seq = 0;
    try {
      for await (const item of items) {
        if (signal?.aborted || stopped) break;
        if (item.kind === 'skipped') {
          summary.skipped += 1;
          continue;
        }
        const mySeq = seq++;
        // Every queued item holds a slot until it is emitted, failures included, so the queue stays bounded.
        await slots.acquire();
        if (stopped) break;
        if (item.kind === 'error') {
          decodedQueue.push(
            Promise.resolve({
              seq: mySeq,
              display: item.display,
              source: item,
              ok: false,
              code: item.code,
              message: item.message,
            }),
          );
          continue;
        }
        current = item.display;
        const tensor = new Float32Array(imageFloats);
        trace?.({ kind: 'decode-start', at: performance.now() });
        decodedQueue.push(
          loadAndPreprocess(item.path, preprocess, tensor, 0, {
            maxFileBytes,
            gate: gateFor(item.display),
          })
            .then(
              (info): Decoded => ({
                seq: mySeq,
                display: item.display,
                source: item,
                ok: true,
                tensor,
                ...info,
                bytes: info.size,
              }),
              (error: unknown): Decoded => ({
                seq: mySeq,
                display: item.display,
                source: item,
                ok: false,
                ...describeReadFailure(error),
              }),
            )
            .finally(() => trace?.({ kind: 'decode-end', at: performance.now() })),
        );
      }
    } catch (error) {
      // The walker ends an aborted walk by throwing the abort reason; cancelling is not a failure.
      if (!signal?.aborted) throw error;
    } finally {
      decodedQueue.end();
    }
  };

  const failedResult = (d: Extract<Decoded, { ok: false }>): FileResult =>
    errorResult({
      path: d.display,
      code: d.code,
      message: d.message,
      model: options.modelName,
      provider: classifier.provider,
      bytes: d.bytes ?? null,
      sha256: d.sha256 ?? null,
    });

  const classifyBatch = async (batch: BatchItem[]): Promise<RunBatch> => {
    const runCount = io.fixedBatch ?? batch.length;
    const data = new Float32Array(runCount * imageFloats);
    batch.forEach((item, i) => data.set(item.decoded.tensor, i * imageFloats));
    trace?.({ kind: 'infer-start', at: performance.now() });
    const { logits, embedding } = await classifier.runWithEmbedding(data, runCount);
    trace?.({ kind: 'infer-end', at: performance.now() });
    return { batch, logits, embedding };
  };

  const emitBatch = async ({ batch, logits, embedding }: RunBatch) => {
    const runCount = io.fixedBatch ?? batch.length;
    const classes = logits.length / runCount;
    // Features that do not split evenly per photo are no features (a model whose layer is not [N, D]).
    const dim = embedding && embedding.length % runCount === 0 ? embedding.length / runCount : 0;
    if (!Number.isInteger(classes) || classes !== labels.length) {
      throw new Error(`model returned ${classes} scores per image but ${labels.length} labels are loaded`);
    }
    const classifiedAt = new Date().toISOString();
    for (const [i, item] of batch.entries()) {
      const d = item.decoded;
      const invalid = invalidScores(logits, i * classes, classes);
      if (invalid !== null) {
        // Scores that are not numbers are no result: an error for this photo, never a row of empty labels.
        await emitter.put(item.seq, {
          source: item.source,
          result: errorResult({
            path: item.display,
            code: 'model_output_invalid',
            message: `the model's scores for this photo are ${invalid}: the model is broken or does not suit this photo`,
            model: options.modelName,
            provider: classifier.provider,
            bytes: d.bytes,
            sha256: d.sha256,
          }),
        });
        continue;
      }
      const probs = softmax(logits, i * classes, classes);
      await emitter.put(item.seq, {
        source: item.source,
        result: {
          path: item.display,
          status: 'ok',
          errorCode: null,
          errorMessage: null,
          predictions: topK(probs, options.topK, labels, options.threshold),
          width: d.width,
          height: d.height,
          format: d.format,
          takenAt: d.takenAt,
          embeddedMetadata: d.embeddedMetadata,
          bytes: d.bytes,
          sha256: d.sha256,
          model: options.modelName,
          provider: classifier.provider,
          classifiedAt,
          embedding: embedding && dim > 0 ? encodeEmbedding(embedding, i * dim, dim) : null,
        },
      });
    }
  };

  const producer = produce();
  // At most two batches between "queued on the inference thread" and "results emitted": one running, one
  // ready to start the moment it finishes. Each batch's results go out as soon as its inference ends (in
  // order, after the batch before it), not when the next batch is queued: that would hold the first
  // photo's result until eight more photos had been decoded.
  const inFlight: Promise<void>[] = [];
  let emitted: Promise<void> = Promise.resolve();
  const launch = (items: BatchItem[]) => {
    const run = classifyBatch(items);
    // Settled below (awaited from inFlight, or by allSettled on the way out); never an unhandled rejection.
    run.catch(() => undefined);
    emitted = emitted.then(async () => {
      const done = await run;
      for (let i = 0; i < done.batch.length; i++) slots.release();
      await emitBatch(done);
    });
    inFlight.push(emitted);
  };
  let batch: BatchItem[] = [];
  const timer = options.onProgress ? setInterval(report, 1000) : null;
  try {
    [classifier, labels] = await opening;
    io = classifier.io;
    if (preprocess.cropHeight !== io.height || preprocess.cropWidth !== io.width) {
      throw new Error(
        `preprocessing makes ${preprocess.cropWidth}x${preprocess.cropHeight}, model wants ${io.width}x${io.height}`,
      );
    }
    if (io.fixedBatch !== null) {
      // A batch must fit in the slots, with the two ahead of it.
      slots.grow(Math.max(0, 2 * (io.fixedBatch - batchSize)));
      batchSize = io.fixedBatch;
    }
    let batchTarget = io.fixedBatch ?? Math.min(batchSize, Math.max(1, options.firstBatchSize ?? batchSize));
    for (;;) {
      const next = await decodedQueue.shift();
      if (next.done) break;
      const decoded = await next.value;
      if (!decoded.ok) {
        slots.release();
        await emitter.put(decoded.seq, { result: failedResult(decoded), source: decoded.source });
        continue;
      }
      batch.push({ seq: decoded.seq, display: decoded.display, source: decoded.source, decoded });
      if (batch.length === batchTarget) {
        launch(batch);
        batch = [];
        batchTarget = batchSize;
        if (inFlight.length >= 2) await inFlight.shift();
      }
    }
    if (batch.length > 0) launch(batch);
    while (inFlight.length > 0) await inFlight.shift();
    await producer;
  } finally {
    if (timer) clearInterval(timer);
    stopped = true;
    slots.close();
    // Let queued decodes settle so no native work outlives the run.
    await Promise.allSettled(inFlight);
    await producer.catch(() => undefined);
  }
  summary.cancelled = signal?.aborted ?? false;
  summary.seconds = (performance.now() - started) / 1000;
  current = null;
  report();
  return summary;
}

/** 'NaN' or 'infinite' when a photo's logits hold such a value (−∞ is a fine logit: probability 0). */
function invalidScores(logits: Float32Array, offset: number, length: number): string | null {
  for (let i = offset; i < offset + length; i++) {
    const value = logits[i] as number;
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'infinite';
  }
  return null;
}
