// The service ⇄ worker protocol (shared): what the supervisor (service process or CLI) and a worker process say.
// No Node or DOM imports: the service, the CLI and the worker all load this file.

import { z } from 'zod';
import { EP_CHOICES } from './contract.js';
import { MAX_EMBEDDING_DIM } from './embedding-codec.js';
import { FILE_ERROR_CODES } from './file-errors.js';
import type { FileResult } from './results.js';

/** Execution providers a worker can end up on (EP_CHOICES without 'auto'). */
export const PROVIDERS = ['cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const positiveInt = z.number().int().positive();

// ---- supervisor → worker (trusted: the worker only checks what it needs) ----

/** Everything a worker needs to open a model and classify with it. */
export interface OpenModelOptions {
  modelPath: string;
  /** Explicit label file; null: ImageNet-1k for 1000-class models, else `<model>.labels.*` beside the model. */
  labelsPath: string | null;
  ep: (typeof EP_CHOICES)[number];
  threads: number;
  batchSize: number;
  topK: number;
  threshold: number;
  maxPixels: number;
  /** Where the worker keeps start-up caches (GPU probe answers); absent or null: none. */
  cacheDir?: string | null;
}

/** Validates open options where they are made (settings, command line), before any process starts. */
export const openModelOptionsSchema = z.strictObject({
  modelPath: z.string().min(1),
  labelsPath: z.string().min(1).nullable(),
  ep: z.enum(EP_CHOICES),
  threads: positiveInt,
  batchSize: positiveInt,
  topK: positiveInt,
  threshold: z.number().min(0).max(1),
  maxPixels: positiveInt,
  cacheDir: z.string().min(1).nullable().optional(),
});

export interface ClassifyItem {
  /** The caller's key for this file; results and `started` carry it back. */
  id: number;
  /** Raw path bytes: file names need not be valid UTF-8. */
  path: Uint8Array;
  display: string;
}

/** A grid thumbnail or a detail preview: a JPEG that fits in size × size, upright, sRGB. */
export interface RenderTask {
  kind: 'render';
  path: Uint8Array;
  size: number;
  maxPixels: number;
}

/** SHA-256 of a file's decoded pixels (XMP embedding checks a rewritten copy against the original with it). */
export interface PixelHashTask {
  kind: 'pixel-hash';
  path: string;
  maxPixels: number;
}

/** A photo decoded and preprocessed into the model's input tensor (quantization calibrates on these). */
export interface PreprocessTask {
  kind: 'preprocess';
  path: string;
  resizeShorter: number;
  cropWidth: number;
  cropHeight: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  maxPixels: number;
}

export type WorkerTask = RenderTask | PixelHashTask | PreprocessTask;

export type ToWorker =
  /** An `open` will probably follow (a command about to classify): start the inference thread now. */
  | { type: 'prepare' }
  | ({ type: 'open' } & OpenModelOptions)
  | { type: 'classify'; items: ClassifyItem[] }
  | { type: 'task'; id: number; task: WorkerTask }
  | { type: 'shutdown' };

// ---- worker → supervisor (validated: the worker decodes hostile files and is the least trusted process) ----

export const predictionSchema = z.strictObject({
  index: z.number().int().nonnegative(),
  label: z.string(),
  wnid: z.string(),
  score: z.number().min(0).max(1),
});

/** Mirrors FileResult in results.ts; the type check below fails to compile when the two drift apart. */
export const fileResultSchema = z.strictObject({
  path: z.string(),
  status: z.enum(['ok', 'error']),
  errorCode: z.enum(FILE_ERROR_CODES).nullable(),
  errorMessage: z.string().nullable(),
  predictions: z.array(predictionSchema),
  width: z.number().int().nonnegative().nullable(),
  height: z.number().int().nonnegative().nullable(),
  format: z.string().nullable(),
  takenAt: z.string().max(32).nullable().optional(),
  embeddedMetadata: z.boolean().nullable().optional(),
  bytes: z.number().int().nonnegative().nullable(),
  sha256: z.string().nullable(),
  model: z.string(),
  provider: z.string(),
  classifiedAt: z.string(),
  embedding: z
    .strictObject({
      vector: z.custom<Uint8Array>(
        (v) => v instanceof Uint8Array && v.length > 0 && v.length <= MAX_EMBEDDING_DIM,
        'expected 1 to 8192 bytes',
      ),
      scale: z.number().positive().finite(),
    })
    .nullable()
    .optional(),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _fileResultSchemaMatches: Same<z.infer<typeof fileResultSchema>, FileResult> = true;
void _fileResultSchemaMatches;

export const providerAttemptSchema = z.strictObject({
  provider: z.enum(PROVIDERS),
  ok: z.boolean(),
  error: z.string().nullable(),
});

export const readyInfoSchema = z.strictObject({
  provider: z.enum(PROVIDERS),
  attempts: z.array(providerAttemptSchema),
  modelName: z.string(),
  numClasses: positiveInt,
  /** Model input [height, width]. */
  inputSize: z.tuple([positiveInt, positiveInt]),
  /** Batch size the model demands, or null when its batch dimension is dynamic. */
  fixedBatch: positiveInt.nullable(),
  /** Length of the pooled features each result carries, or null when the model exposes none. */
  embeddingDim: positiveInt.max(MAX_EMBEDDING_DIM).nullable().optional(),
  /** Why the model gives no features (personal tags and similar photos are off with it). */
  embeddingOff: z.string().nullable().optional(),
});

const fileId = z.number().int().nonnegative();

const taskValueSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('render'), jpeg: z.instanceof(Uint8Array) }),
  z.strictObject({ kind: z.literal('pixel-hash'), hash: z.string().regex(/^[0-9a-f]{64}$/) }),
  z.strictObject({ kind: z.literal('preprocess'), data: z.instanceof(Float32Array) }),
]);

export const fromWorkerSchema = z.discriminatedUnion('type', [
  /** The worker runs and listens (sent once, before anything else). */
  z.strictObject({ type: z.literal('hello') }),
  readyInfoSchema.extend({ type: z.literal('ready') }),
  /** The worker is about to hand this file to the decoder: if it dies now, this file is a suspect. */
  z.strictObject({ type: z.literal('started'), id: fileId }),
  z.strictObject({ type: z.literal('result'), id: fileId, result: fileResultSchema }),
  /** A classify request is finished (informational). */
  z.strictObject({ type: z.literal('batch-done'), count: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal('task-done'), id: fileId, value: taskValueSchema }),
  z.strictObject({
    type: z.literal('task-failed'),
    id: fileId,
    code: z.enum(FILE_ERROR_CODES),
    message: z.string(),
  }),
  /** The worker cannot go on (model failed to load, inference failed, protocol violation); it exits next. */
  z.strictObject({ type: z.literal('fatal'), message: z.string() }),
  z.strictObject({ type: z.literal('log'), level: z.enum(LOG_LEVELS), message: z.string() }),
]);

export type ProviderAttemptInfo = z.infer<typeof providerAttemptSchema>;
export type WorkerReadyInfo = z.infer<typeof readyInfoSchema>;
export type FromWorker = z.infer<typeof fromWorkerSchema>;
export type TaskValue = z.infer<typeof taskValueSchema>;

/** A message that does not match the protocol: a bug, or a worker that cannot be trusted any more. */
export class WorkerProtocolError extends Error {
  override name = 'WorkerProtocolError';
}

/** Validates open options (the supervisor checks them before starting a worker). */
export function parseOpenOptions(value: unknown): OpenModelOptions {
  return parseWith(openModelOptionsSchema, value, 'open options');
}

/** Validates a message from a worker; throws WorkerProtocolError when it is malformed. */
export function parseFromWorker(value: unknown): FromWorker {
  return parseWith(fromWorkerSchema, value, 'worker message');
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const type =
    typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string'
      ? ` "${value.type}"`
      : '';
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ');
  throw new WorkerProtocolError(`invalid ${what}${type}: ${issues}`);
}
