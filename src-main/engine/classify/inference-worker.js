// Inference worker thread (engine): owns the one onnxruntime InferenceSession so decoding on the main thread overlaps inference.
// Plain JavaScript (type-checked through JSDoc) because worker entry files must be loadable without a TypeScript step.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

if (!parentPort) throw new Error('inference-worker must run in a worker thread');
// Provider load failures are expected while probing and reported through exceptions; keep native logs quiet.
ort.env.logLevel = 'fatal';
const port = parentPort;

/** @type {import('onnxruntime-node').InferenceSession | null} */
let session = null;

/**
 * @param {string} provider
 * @param {number} threads
 * @returns {import('onnxruntime-node').InferenceSession.SessionOptions}
 */
function sessionOptions(provider, threads) {
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    // Idle ORT threads spin by default; on a small laptop that steals the cores decoding the next batch.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
    logSeverityLevel: 3,
  };
}

/**
 * A provider can create a session yet fail on its first run (missing kernels, driver trouble), so
 * GPU providers must also get through one real inference before we trust them.
 * @param {import('onnxruntime-node').InferenceSession} candidate
 */
async function warmUp(candidate) {
  const meta = candidate.inputMetadata[0];
  if (!meta || !meta.isTensor) throw new Error('model has no tensor input');
  const dims = meta.shape.map((d, i) => (typeof d === 'number' && d > 0 ? d : i === 0 ? 1 : 224));
  const size = dims.reduce((a, b) => a * b, 1);
  const name = candidate.inputNames[0] ?? meta.name;
  await candidate.run({ [name]: new ort.Tensor('float32', new Float32Array(size), dims) });
}

/**
 * A CPU session from onnxruntime's optimized copy of the model when there is one (see session-cache.ts),
 * else from the model itself, writing that copy for next time (through a temporary file and a rename, so
 * a half-written copy is never loaded). A copy that fails to load is deleted and the model used instead.
 * `model` is the file's path, or the model's bytes when the graph was edited to also output its pooled
 * features (embedding-output.ts; the copy then has a name of its own, embedding-plan-cache.ts).
 * @param {string | Uint8Array} model
 * @param {string | null | undefined} optimized
 * @param {import('onnxruntime-node').InferenceSession.SessionOptions} options
 */
async function createCpuSession(model, optimized, options) {
  if (!optimized) return create(model, options);
  if (existsSync(optimized)) {
    try {
      return await ort.InferenceSession.create(optimized, { ...options, graphOptimizationLevel: 'disabled' });
    } catch {
      rmSync(optimized, { force: true });
    }
  }
  const temp = `${optimized}.${process.pid}.${Date.now()}.tmp`;
  /** @type {import('onnxruntime-node').InferenceSession} */
  let session;
  try {
    session = await create(model, { ...options, optimizedModelFilePath: temp });
  } catch {
    // onnxruntime fails the whole session when it cannot write the copy (a read-only or full cache
    // folder, or one deleted meanwhile): the model itself still loads, only without the copy.
    rmSync(temp, { force: true });
    return create(model, options);
  }
  try {
    renameSync(temp, optimized);
  } catch {
    // A cache that cannot be written costs the next start time, nothing else.
  } finally {
    rmSync(temp, { force: true });
  }
  return session;
}

/**
 * @param {string | Uint8Array} model
 * @param {import('onnxruntime-node').InferenceSession.SessionOptions} options
 */
function create(model, options) {
  return typeof model === 'string'
    ? ort.InferenceSession.create(model, options)
    : ort.InferenceSession.create(model, options);
}

/**
 * @param {{ modelPath: string, modelBytes?: Uint8Array, providers: string[], threads: number,
 *   optimizedModelPath?: string | null }} request
 */
async function open(request) {
  /** @type {{ provider: string, ok: boolean, error: string | null }[]} */
  const attempts = [];
  for (const provider of request.providers) {
    /** @type {import('onnxruntime-node').InferenceSession | null} */
    let candidate = null;
    try {
      const options = sessionOptions(provider, request.threads);
      // Bytes when the graph was edited to also output its pooled features (see embedding-output.ts).
      const model = request.modelBytes ?? request.modelPath;
      candidate =
        provider === 'cpu'
          ? await createCpuSession(model, request.optimizedModelPath, options)
          : await create(model, options);
      if (provider !== 'cpu') await warmUp(candidate);
      attempts.push({ provider, ok: true, error: null });
      session = candidate;
      return {
        type: 'opened',
        provider,
        attempts,
        inputs: candidate.inputMetadata,
        outputs: candidate.outputMetadata,
      };
    } catch (error) {
      attempts.push({ provider, ok: false, error: firstLine(error) });
      if (candidate) await candidate.release().catch(() => undefined);
    }
  }
  return { type: 'open-failed', attempts };
}

/** @param {unknown} error */
function firstLine(error) {
  const text = error instanceof Error ? error.message : String(error);
  // onnxruntime prefixes messages with source locations; keep the part a person can act on.
  const line = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return line
    .replace(/^\/onnxruntime_src\/\S+\s+/, '')
    .replace(/^.*\bwas false\. /, '') // assertion text before the actual reason
    .slice(0, 500);
}

/**
 * @param {{ id: number, data: Float32Array, dims: number[], inputName: string, outputName: string,
 *   embeddingName?: string | null }} request
 */
async function run(request) {
  if (!session) throw new Error('session is not open');
  const input = new ort.Tensor('float32', request.data, request.dims);
  const names = request.embeddingName ? [request.outputName, request.embeddingName] : [request.outputName];
  const outputs = await session.run({ [request.inputName]: input }, names);
  const output = outputs[request.outputName];
  if (!output || !(output.data instanceof Float32Array)) throw new Error('model output is not float32');
  // Copy: the tensor's buffer belongs to onnxruntime and may be reused.
  const data = new Float32Array(output.data);
  const features = request.embeddingName ? outputs[request.embeddingName] : undefined;
  const embedding =
    features && features.data instanceof Float32Array ? new Float32Array(features.data) : null;
  return { type: 'result', id: request.id, data, dims: [...output.dims], embedding };
}

port.on('message', (/** @type {any} */ message) => {
  if (message.type === 'open') {
    open(message).then(
      (reply) => port.postMessage(reply),
      (error) =>
        port.postMessage({
          type: 'open-failed',
          attempts: [{ provider: '?', ok: false, error: firstLine(error) }],
        }),
    );
  } else if (message.type === 'run') {
    run(message).then(
      (reply) =>
        port.postMessage(
          reply,
          reply.embedding ? [reply.data.buffer, reply.embedding.buffer] : [reply.data.buffer],
        ),
      (error) => port.postMessage({ type: 'error', id: message.id, message: firstLine(error) }),
    );
  } else if (message.type === 'close') {
    const closing = session ? session.release() : Promise.resolve();
    session = null;
    closing.finally(() => port.postMessage({ type: 'closed' }));
  }
});
