// Classifier (engine): one InferenceSession per engine, hosted in a worker thread, created once and reused for every batch.

import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { EmbeddingOutput } from './embedding-output.js';
import { cachedEmbedding, featuresCopyPath, rememberEmbedding } from './embedding-plan-cache.js';
import { describeModelIo, ModelError, type ModelIo, type ValueMeta } from './model-io.js';
import type { ProviderProbeCache } from './provider-probe-cache.js';
import { prepareSessionCache } from './session-cache.js';
import { providersToTry, providerUnavailableReason, type EpChoice, type ProviderName } from './providers.js';

export interface ProviderAttempt {
  provider: ProviderName;
  ok: boolean;
  error: string | null;
}

export interface ClassifierOptions {
  ep?: EpChoice;
  /** Intra-op threads; defaults to the number of logical cores. */
  threads?: number;
  /**
   * Exact providers to try in order, bypassing the platform checks (diagnostics and tests use it to
   * make onnxruntime itself refuse a provider).
   */
  providers?: readonly ProviderName[];
  /**
   * GPU providers that failed on an earlier start on this machine (provider-probe-cache.ts): skipped when
   * another provider is left to try, and updated with this start's results.
   */
  probeCache?: ProviderProbeCache | null;
  /** Start-up cache folder: the CPU session loads onnxruntime's optimized copy of the model from it (session-cache.ts). */
  cacheDir?: string | null;
  /** Also output the pooled features when the model has a final linear layer (default true). */
  embedding?: boolean;
}

/** One batch's class scores and, when the model exposes them, its pooled features (count × D). */
export interface RunOutput {
  logits: Float32Array;
  embedding: Float32Array | null;
}

type WorkerReply =
  | {
      type: 'opened';
      provider: ProviderName;
      attempts: ProviderAttempt[];
      inputs: ValueMeta[];
      outputs: ValueMeta[];
    }
  | { type: 'open-failed'; attempts: ProviderAttempt[] }
  | { type: 'result'; id: number; data: Float32Array; dims: number[]; embedding: Float32Array | null }
  | { type: 'error'; id: number; message: string }
  | { type: 'closed' };

interface PendingRun {
  resolve: (output: RunOutput) => void;
  reject: (error: Error) => void;
}

const REMEMBERED =
  'remembered from an earlier start; tried again after a driver or onnxruntime change, or in a week';

function startInferenceThread(): Worker {
  return new Worker(new URL('./inference-worker.js', import.meta.url));
}

/** A thread started ahead by prepareInferenceThread, loading onnxruntime while nobody waits for it. */
let prepared: { thread: Worker; drop: () => void } | null = null;

/**
 * Starts the inference thread (and its ~40 ms of loading onnxruntime) before a model is asked for, so the
 * next open() begins with the session. A worker process told a model will follow (`prepare`) calls it
 * while it waits; a thread that fails to start is dropped and open() starts its own, which reports why.
 */
export function prepareInferenceThread(): void {
  if (prepared) return;
  const thread = startInferenceThread();
  const drop = () => {
    if (prepared?.thread === thread) prepared = null;
  };
  thread.once('error', drop);
  thread.once('exit', drop);
  prepared = { thread, drop };
}

/** Ends a prepared thread nobody took (the worker is shutting down), so nothing keeps the process alive. */
export async function discardPreparedInferenceThread(): Promise<void> {
  const taken = takePreparedThread();
  await taken?.terminate();
}

function takePreparedThread(): Worker | null {
  if (!prepared) return null;
  const { thread, drop } = prepared;
  prepared = null;
  // Its new owner listens from here on (open() reports a failed start itself).
  thread.off('error', drop);
  thread.off('exit', drop);
  return thread;
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

export class Classifier {
  private readonly pending = new Map<number, PendingRun>();
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    readonly modelPath: string,
    readonly io: ModelIo,
    readonly provider: ProviderName,
    readonly attempts: readonly ProviderAttempt[],
    readonly threads: number,
    /** The pooled-features output, or null with the reason in embeddingOff. */
    readonly embedding: EmbeddingOutput | null,
    readonly embeddingOff: string | null,
  ) {
    worker.on('message', (reply: WorkerReply) => this.onReply(reply));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', (code) => {
      if (!this.closed) this.failAll(new Error(`inference worker exited with code ${code}`));
    });
  }

  /** Opens the model on the first provider that loads and runs; throws ModelError when none does. */
  static async open(modelPath: string, options: ClassifierOptions = {}): Promise<Classifier> {
    const ep = options.ep ?? 'auto';
    const threads = options.threads ?? defaultThreads();
    const skipped: ProviderAttempt[] = [];
    const candidates: ProviderName[] = [];
    for (const provider of options.providers ?? providersToTry(ep)) {
      const reason = options.providers ? null : providerUnavailableReason(provider);
      if (reason === null) candidates.push(provider);
      else skipped.push({ provider, ok: false, error: reason });
    }
    const probeCache = options.probeCache ?? null;
    if (probeCache) {
      // Never the last candidate: an explicit --ep is always tried, and `auto` always ends with the CPU.
      for (const provider of candidates.slice(0, -1)) {
        const known = probeCache.knownFailure(provider);
        if (known === null) continue;
        candidates.splice(candidates.indexOf(provider), 1);
        skipped.push({ provider, ok: false, error: `${known} (${REMEMBERED})` });
      }
    }
    if (candidates.length === 0) {
      throw new ModelError(
        `execution provider ${ep} cannot be used: ${skipped.map((a) => a.error).join('; ')}`,
      );
    }
    let embedding: EmbeddingOutput | null = null;
    let embeddingOff: string | null = 'embeddings were not asked for';
    let modelBytes: Uint8Array | undefined;
    let optimizedModelPath = options.cacheDir ? prepareSessionCache(modelPath, options.cacheDir) : null;
    if (options.embedding !== false) {
      const copy = optimizedModelPath ? featuresCopyPath(optimizedModelPath) : null;
      const cached = copy ? cachedEmbedding(copy) : null;
      // A warm CPU start loads the optimized copy that already outputs the features: no model read.
      if (cached && candidates.every((p) => p === 'cpu')) {
        embedding = cached;
        embeddingOff = null;
      } else {
        // Unreadable here means unreadable for onnxruntime too: let its error speak below.
        const bytes = await readFile(modelPath).catch(() => null);
        // Loaded only here: onnx-proto costs ~30 ms of start-up that a warm start (cached above) skips.
        const { planEmbeddingOutput } = await import('./embedding-output.js');
        const plan = bytes
          ? planEmbeddingOutput(bytes)
          : { ok: false as const, reason: 'the model file cannot be read' };
        if (plan.ok) {
          embedding = plan.output;
          embeddingOff = null;
          modelBytes = plan.bytes;
        } else embeddingOff = plan.reason;
      }
      if (embedding) optimizedModelPath = copy;
    }
    const worker = takePreparedThread() ?? startInferenceThread();
    const reply = await new Promise<WorkerReply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      const message = {
        type: 'open',
        modelPath,
        modelBytes,
        providers: candidates,
        threads,
        optimizedModelPath,
      };
      worker.postMessage(message, modelBytes ? [modelBytes.buffer as ArrayBuffer] : []);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw new ModelError(`inference worker failed to start: ${String(error)}`, { cause: error });
    });
    if (reply.type === 'opened' || reply.type === 'open-failed') await probeCache?.record(reply.attempts);
    if (reply.type !== 'opened' && embedding) {
      // The edited graph is refused where the original may load: classify without features, say why.
      await worker.terminate();
      const plain = await Classifier.open(modelPath, { ...options, embedding: false });
      return plain.withEmbeddingOff('onnxruntime refused the model with its features exposed');
    }
    const features = embedding?.name;
    if (
      reply.type === 'opened' &&
      features !== undefined &&
      !reply.outputs.some((o) => o.name === features)
    ) {
      // The cached copy was replaced by a plain one meanwhile (it failed to load and was rebuilt): start
      // again from the model itself, without the cache.
      await worker.terminate();
      return Classifier.open(modelPath, { ...options, cacheDir: null });
    }
    if (reply.type === 'opened' && embedding && optimizedModelPath)
      rememberEmbedding(optimizedModelPath, embedding);
    if (reply.type !== 'opened') {
      await worker.terminate();
      const attempts = reply.type === 'open-failed' ? [...skipped, ...reply.attempts] : skipped;
      const detail = attempts.map((a) => `${a.provider}: ${a.error}`).join('; ');
      throw new ModelError(`cannot load model ${modelPath} (${detail})`);
    }
    let io: ModelIo;
    try {
      io = describeModelIo(reply.inputs, reply.outputs);
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return new Classifier(
      worker,
      modelPath,
      io,
      reply.provider,
      [...skipped, ...reply.attempts],
      threads,
      embedding,
      embeddingOff,
    );
  }

  private withEmbeddingOff(reason: string): Classifier {
    this.worker.removeAllListeners();
    return new Classifier(
      this.worker,
      this.modelPath,
      this.io,
      this.provider,
      this.attempts,
      this.threads,
      null,
      reason,
    );
  }

  /** Runs one batch: `data` holds `count` normalised CHW images (it is transferred, not copied). Returns count*K logits. */
  async run(data: Float32Array, count: number): Promise<Float32Array> {
    return (await this.runWithEmbedding(data, count)).logits;
  }

  /** Like run, plus the pooled features (count*D) when the model exposes them: one inference for both. */
  runWithEmbedding(data: Float32Array, count: number): Promise<RunOutput> {
    if (this.closed) return Promise.reject(new Error('classifier is closed'));
    const { height, width } = this.io;
    const expected = count * 3 * height * width;
    if (data.length !== expected) {
      return Promise.reject(new Error(`batch holds ${data.length} floats, expected ${expected}`));
    }
    const id = this.nextId++;
    return new Promise<RunOutput>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(
        {
          type: 'run',
          id,
          data,
          dims: [count, 3, height, width],
          inputName: this.io.inputName,
          outputName: this.io.outputName,
          embeddingName: this.embedding?.name ?? null,
        },
        [data.buffer as ArrayBuffer],
      );
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      this.worker.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.worker.postMessage({ type: 'close' });
    await done;
    await this.worker.terminate();
    this.failAll(new Error('classifier closed'));
  }

  private onReply(reply: WorkerReply): void {
    if (reply.type !== 'result' && reply.type !== 'error') return;
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (reply.type === 'error') waiter.reject(new ModelError(`inference failed: ${reply.message}`));
    else waiter.resolve({ logits: reply.data, embedding: reply.embedding });
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}

export { ModelError };
