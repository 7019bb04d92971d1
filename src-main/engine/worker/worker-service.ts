// Engine service of the engine child process: opens the model on `open`, classifies queued `classify` requests, exits on `shutdown`.

import path from 'node:path';
import {
  parseParentMessage,
  type ChildMessage,
  type ParentMessage,
  type ClassifyItem,
  type EngineOpenOptions,
} from '../../shared/worker-protocol.js';
import type { ClassLabel } from '../../shared/labels.js';
import { Classifier } from '../classify/classifier.js';
import type { PreprocessSpec } from '../imaging/preprocess-spec.js';
import { preprocessFor } from '../models/model-settings.js';
import { classifyItems } from '../pipeline/classify-items.js';
import type { WalkItem } from '../scan/walk-types.js';
import { resolveLabels } from '../classify/resolve-labels.js';
import type { EngineTransport } from './transport.js';

interface OpenEngine {
  classifier: Classifier;
  labels: ClassLabel[];
  preprocess: PreprocessSpec;
  modelName: string;
  settings: EngineOpenOptions;
}

type IdItem = Extract<WalkItem, { kind: 'file' }> & { id: number };

export interface EngineServiceOptions {
  /** Called after `started` was sent for a file (test-only fault injection, see crash-injection.ts). */
  afterStarted?: ((display: string) => void) | null;
  /** Ends the process; injectable so the service can run in-process. */
  exit?: (code: number) => void;
}

/** Serves one supervisor over `transport` until shutdown, disconnect or a fatal error. */
export function runEngineService(transport: EngineTransport, options: EngineServiceOptions = {}): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let engine: Promise<OpenEngine> | null = null;
  // Classify requests run one at a time, in arrival order.
  let work: Promise<void> = Promise.resolve();
  let stopping = false;
  const abort = new AbortController();

  const send = (message: ChildMessage): Promise<void> => transport.send(message);

  const shutdown = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    abort.abort();
    // Let the request in progress wind down so no native decode or inference outlives the classifier.
    await work.catch(() => undefined);
    const opened = await engine?.catch(() => null);
    await opened?.classifier.close().catch(() => undefined);
    exit(code);
  };

  const fatal = async (message: string): Promise<void> => {
    if (stopping) return;
    // The supervisor may already be gone; exiting matters more than the report.
    await send({ type: 'fatal', message }).catch(() => undefined);
    await shutdown(1);
  };

  const classify = async (items: ClassifyItem[]): Promise<void> => {
    if (!engine) throw new Error('classify before open');
    const { classifier, labels, preprocess, modelName, settings } = await engine;
    async function* announce(): AsyncGenerator<IdItem> {
      for (const item of items) {
        if (abort.signal.aborted) return;
        // Pulled now means handed to the decoder next: announce it first, so a native crash is attributable.
        await send({ type: 'started', id: item.id });
        options.afterStarted?.(item.display);
        const bytes = Buffer.from(item.path.buffer, item.path.byteOffset, item.path.byteLength);
        yield { kind: 'file', path: bytes, display: item.display, explicit: true, id: item.id };
      }
    }
    await classifyItems(announce(), {
      classifier,
      labels,
      preprocess,
      modelName,
      topK: settings.topK,
      threshold: settings.threshold,
      batchSize: settings.batchSize,
      signal: abort.signal,
      onResult: (result, item) => send({ type: 'result', id: item.id, result }),
    });
    if (!abort.signal.aborted) await send({ type: 'batch-done', count: items.length });
  };

  transport.onClose(() => void shutdown(0));
  transport.onMessage((raw) => {
    if (stopping) return;
    let message: ParentMessage;
    try {
      message = parseParentMessage(raw);
    } catch (error) {
      void fatal((error as Error).message);
      return;
    }
    switch (message.type) {
      case 'open': {
        if (engine) {
          void fatal('open received twice: one engine process serves one model');
          return;
        }
        const { type: _type, ...settings } = message;
        engine = openEngine(settings);
        engine.then(
          (opened) => send(readyMessage(opened)).catch(() => undefined),
          (error: unknown) => fatal((error as Error).message),
        );
        return;
      }
      case 'classify': {
        const items = message.items;
        work = work.then(() => classify(items)).catch((error: unknown) => fatal(errorText(error)));
        return;
      }
      case 'shutdown':
        void shutdown(0);
        return;
    }
  });
}

async function openEngine(settings: EngineOpenOptions): Promise<OpenEngine> {
  const classifier = await Classifier.open(settings.modelPath, {
    ep: settings.ep,
    threads: settings.threads,
  });
  try {
    const labels = await resolveLabels(settings.labelsPath, settings.modelPath, classifier.io.numClasses);
    return {
      classifier,
      labels,
      preprocess: {
        ...(await preprocessFor(settings.modelPath, classifier.io)),
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

function readyMessage(opened: OpenEngine): ChildMessage {
  const { classifier, labels, modelName } = opened;
  return {
    type: 'ready',
    provider: classifier.provider,
    attempts: classifier.attempts.map((a) => ({ provider: a.provider, ok: a.ok, error: a.error })),
    modelName,
    numClasses: labels.length,
    inputSize: [classifier.io.height, classifier.io.width],
    fixedBatch: classifier.io.fixedBatch,
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
