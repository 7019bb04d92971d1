// What a worker process does (worker process): opens a model on `open`, classifies `classify` requests, renders and hashes photos for `task`s.

import path from 'node:path';
import { isFileError } from '../../shared/file-errors.js';
import type { ClassLabel } from '../../shared/results.js';
import type { Transport } from '../../shared/transport.js';
import type {
  ClassifyItem,
  FromWorker,
  OpenModelOptions,
  TaskValue,
  ToWorker,
  WorkerTask,
} from '../../shared/worker-protocol.js';
import {
  Classifier,
  discardPreparedInferenceThread,
  prepareInferenceThread,
} from '../classify/classifier.js';
import { resolveLabels } from '../classify/labels.js';
import { rememberedModelIo, rememberModelIo } from '../classify/model-io-note.js';
import { ProviderProbeCache } from '../classify/provider-probe-cache.js';
import type { PreprocessSpec } from '../imaging/preprocess-spec.js';
import { closeRawPreviewReader } from '../imaging/raw-preview.js';
import { loadAndPreprocess } from '../imaging/photo-input.js';
import { pixelHash, renderPhoto } from '../imaging/thumbnails.js';
import { classifyItems } from '../pipeline/classify-items.js';
import type { WalkItem } from '../scan/walk-items.js';
import type { DecodeKind } from './crash-injection.js';

interface OpenModel {
  classifier: Classifier;
  labels: ClassLabel[];
  preprocess: PreprocessSpec;
  modelName: string;
  settings: OpenModelOptions;
}

type IdItem = Extract<WalkItem, { kind: 'file' }> & { id: number };

/** What classifyItems needs of the model; the classifier and labels may still be on their way. */
interface ModelParts {
  classifier: Classifier | Promise<Classifier>;
  labels: readonly ClassLabel[] | Promise<readonly ClassLabel[]>;
  preprocess: PreprocessSpec;
}

/** The model opened wanting other preprocessing than predicted (a wrong note): the photos decoded for it are useless. */
class StalePrediction extends Error {}

export interface WorkerServiceOptions {
  /** Called with a file's path right before it is decoded (test-only fault injection, see crash-injection.ts). */
  beforeDecode?: ((kind: DecodeKind, file: string) => void) | null;
  /** Ends the process; injectable so the service can run in-process. */
  exit?: (code: number) => void;
}

/** Serves one supervisor over `transport` until shutdown, disconnect or a fatal error. */
export function runWorkerService(transport: Transport, options: WorkerServiceOptions = {}): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let model: Promise<OpenModel> | null = null;
  let openSettings: OpenModelOptions | null = null;
  let openedModel: OpenModel | null = null;
  /** The preprocessing the model will ask for, known before it opens when an earlier run noted its shapes. */
  let predictedPreprocess: Promise<PreprocessSpec | null> = Promise.resolve(null);
  // Classify requests run one at a time, in arrival order; tasks run beside them as they come.
  let work: Promise<void> = Promise.resolve();
  // Only the first request of a worker starts with a one-photo batch (see ClassifyOptions.firstBatchSize).
  let firstRequest = true;
  const tasks = new Set<Promise<void>>();
  let stopping = false;
  const abort = new AbortController();

  const send = (message: FromWorker): Promise<void> => transport.send(message);

  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    abort.abort();
    // Let the work in progress wind down so no native decode or inference outlives the classifier.
    await Promise.allSettled([work, ...tasks]);
    const opened = await model?.catch(() => null);
    await opened?.classifier.close().catch(() => undefined);
    await discardPreparedInferenceThread();
    await closeRawPreviewReader();
    exit(code);
  };

  const fatal = async (message: string): Promise<void> => {
    if (stopping) return;
    // The supervisor may already be gone; exiting matters more than the report.
    await send({ type: 'fatal', message }).catch(() => undefined);
    await shutdown(1);
  };

  const classify = async (items: ClassifyItem[]): Promise<void> => {
    if (!model || !openSettings) throw new Error('classify before open');
    const opening = model;
    const settings = openSettings;
    const firstBatchSize = firstRequest ? 1 : settings.batchSize;
    firstRequest = false;
    const run = (parts: ModelParts) => classifyAll(items, settings, firstBatchSize, parts);
    // While the session opens, photos are decoded for the preprocessing an earlier run noted for this
    // model: the opening (mostly one core) and the decoding (the others) overlap instead of following
    // each other. The supervisor sends work this early only to a worker's first launch (see
    // WorkerSupervisor.begin), so a crash during it is never blamed on a photo.
    const predicted = openedModel ? null : await predictedPreprocess;
    if (predicted) {
      try {
        await run({
          classifier: opening.then((m) => {
            if (!samePreprocess(m.preprocess, predicted)) throw new StalePrediction();
            return m.classifier;
          }),
          labels: opening.then((m) => m.labels),
          preprocess: predicted,
        });
        return;
      } catch (error) {
        if (!(error instanceof StalePrediction)) throw error;
        // Nothing was emitted: inference never started. Decode again, for what the model really wants
        // (the opening already noted its real shapes for the next run).
      }
    }
    const { classifier, labels, preprocess } = await opening;
    await run({ classifier, labels, preprocess });
  };

  const classifyAll = async (
    items: ClassifyItem[],
    settings: OpenModelOptions,
    firstBatchSize: number,
    { classifier, labels, preprocess }: ModelParts,
  ): Promise<void> => {
    async function* announce(): AsyncGenerator<IdItem> {
      for (const item of items) {
        if (abort.signal.aborted) return;
        // Pulled now means handed to the decoder next: announce it first, so a native crash is attributable.
        await send({ type: 'started', id: item.id });
        options.beforeDecode?.('classify', item.display);
        const bytes = Buffer.from(item.path.buffer, item.path.byteOffset, item.path.byteLength);
        yield { kind: 'file', path: bytes, display: item.display, explicit: true, id: item.id };
      }
    }
    await classifyItems(announce(), {
      classifier,
      labels,
      preprocess,
      modelName: path.basename(settings.modelPath),
      topK: settings.topK,
      threshold: settings.threshold,
      batchSize: settings.batchSize,
      firstBatchSize,
      signal: abort.signal,
      onResult: (result, item) => send({ type: 'result', id: item.id, result }),
    });
    if (!abort.signal.aborted) await send({ type: 'batch-done', count: items.length });
  };

  const runTask = async (id: number, task: WorkerTask): Promise<void> => {
    try {
      const value = await perform(task, options.beforeDecode ?? null);
      await send({ type: 'task-done', id, value });
    } catch (error) {
      const code = isFileError(error) ? error.code : 'internal';
      const message = error instanceof Error ? error.message : String(error);
      await send({ type: 'task-failed', id, code, message });
    }
  };

  transport.onClose(() => void shutdown(0));
  transport.onMessage((raw) => {
    if (stopping) return;
    // The supervisor is trusted (it is Skiptag itself); only the kind decides what to do.
    const message = raw as ToWorker;
    switch (message.type) {
      case 'open': {
        if (model) {
          void fatal('open received twice: one worker process serves one model');
          return;
        }
        const { type: _type, ...settings } = message;
        openSettings = settings;
        model = openModel(settings);
        predictedPreprocess = predictPreprocess(settings);
        model.then(
          (opened) => {
            openedModel = opened;
            return send(readyMessage(opened)).catch(() => undefined);
          },
          (error: unknown) => fatal(errorText(error)),
        );
        return;
      }
      case 'prepare':
        if (model) return;
        prepareInferenceThread();
        // Model settings (with zod, ~45 ms) are read right after `open`; load them while waiting for it.
        import('../models/model-settings.js').catch(() => undefined);
        return;
      case 'classify': {
        const items = message.items;
        work = work.then(() => classify(items)).catch((error: unknown) => fatal(errorText(error)));
        return;
      }
      case 'task': {
        const running = runTask(message.id, message.task).catch(() => undefined);
        tasks.add(running);
        void running.finally(() => tasks.delete(running));
        return;
      }
      case 'shutdown':
        void shutdown(0);
        return;
      default:
        void fatal(`unknown message ${JSON.stringify((raw as { type?: unknown })?.type ?? null)}`);
    }
  });
  void send({ type: 'hello' }).catch(() => undefined);
}

async function perform(
  task: WorkerTask,
  beforeDecode: ((kind: DecodeKind, file: string) => void) | null,
): Promise<TaskValue> {
  switch (task.kind) {
    case 'render': {
      const file = Buffer.from(task.path.buffer, task.path.byteOffset, task.path.byteLength);
      beforeDecode?.('render', file.toString('utf8'));
      const jpeg = await renderPhoto(file, task.size, { maxPixels: task.maxPixels });
      // A copy the exact size of the JPEG: a Buffer may view a larger pool, which cloning would copy whole.
      return { kind: 'render', jpeg: new Uint8Array(jpeg) };
    }
    case 'pixel-hash':
      beforeDecode?.('pixel-hash', task.path);
      return { kind: 'pixel-hash', hash: await pixelHash(task.path, task.maxPixels) };
    case 'preprocess': {
      beforeDecode?.('preprocess', task.path);
      const { kind: _kind, path: file, ...spec } = task;
      const data = new Float32Array(3 * spec.cropHeight * spec.cropWidth);
      await loadAndPreprocess(file, spec, data, 0);
      return { kind: 'preprocess', data };
    }
  }
}

async function openModel(settings: OpenModelOptions): Promise<OpenModel> {
  // Loaded while the session opens on the inference thread: model settings bring zod, ~45 ms of module
  // loading that would otherwise delay the worker's start (measured on the 2-core dev machine).
  const modelSettings = import('../models/model-settings.js');
  modelSettings.catch(() => undefined);
  const classifier = await Classifier.open(settings.modelPath, {
    ep: settings.ep,
    threads: settings.threads,
    probeCache: settings.cacheDir ? await ProviderProbeCache.load(settings.cacheDir) : null,
    cacheDir: settings.cacheDir ?? null,
  });
  try {
    if (settings.cacheDir) rememberModelIo(settings.modelPath, settings.cacheDir, classifier.io);
    const labels = await resolveLabels(settings.labelsPath, settings.modelPath, classifier.io.numClasses);
    return {
      classifier,
      labels,
      preprocess: {
        ...(await (await modelSettings).preprocessFor(settings.modelPath, classifier.io)),
        maxPixels: settings.maxPixels,
      },
      modelName: path.basename(settings.modelPath),
      settings,
    };
  } catch (error) {
    await classifier.close();
    throw error;
  }
}

/** The preprocessing for the model's noted shapes and its settings; null when not noted (or anything fails). */
async function predictPreprocess(settings: OpenModelOptions): Promise<PreprocessSpec | null> {
  if (!settings.cacheDir) return null;
  const io = rememberedModelIo(settings.modelPath, settings.cacheDir);
  if (!io) return null;
  try {
    const { preprocessFor } = await import('../models/model-settings.js');
    return { ...(await preprocessFor(settings.modelPath, io)), maxPixels: settings.maxPixels };
  } catch {
    // Bad settings fail the opening itself, with their reason.
    return null;
  }
}

function samePreprocess(a: PreprocessSpec, b: PreprocessSpec): boolean {
  return (
    a.resizeShorter === b.resizeShorter &&
    a.cropWidth === b.cropWidth &&
    a.cropHeight === b.cropHeight &&
    a.maxPixels === b.maxPixels &&
    a.mean.every((v, i) => v === b.mean[i]) &&
    a.std.every((v, i) => v === b.std[i])
  );
}

function readyMessage(opened: OpenModel): FromWorker {
  const { classifier, labels, modelName } = opened;
  return {
    type: 'ready',
    provider: classifier.provider,
    attempts: classifier.attempts.map((a) => ({ provider: a.provider, ok: a.ok, error: a.error })),
    modelName,
    numClasses: labels.length,
    inputSize: [classifier.io.height, classifier.io.width],
    fixedBatch: classifier.io.fixedBatch,
    embeddingDim: classifier.embedding?.dim ?? null,
    embeddingOff: classifier.embeddingOff,
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
