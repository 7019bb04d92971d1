// Engine process contract (shared): zod-validated messages between the supervisor (parent) and the engine child process.
// No Node or DOM imports: the Electron main process, the CLI and the engine child all load this file.

import { z } from 'zod';
import { EP_CHOICES } from './contract.js';
import { FILE_ERROR_CODES } from './file-errors.js';
import type { FileResult } from './results.js';

export const ENGINE_PROVIDERS = ['cpu', 'webgpu', 'cuda', 'dml', 'coreml'] as const;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

const positiveInt = z.number().int().positive();

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
  bytes: z.number().int().nonnegative().nullable(),
  sha256: z.string().nullable(),
  model: z.string(),
  provider: z.string(),
  classifiedAt: z.string(),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _fileResultSchemaMatches: Same<z.infer<typeof fileResultSchema>, FileResult> = true;
void _fileResultSchemaMatches;

// ---- parent → child ----

/** Everything the child needs to open a model and classify with it. */
export const engineOpenOptionsSchema = z.strictObject({
  modelPath: z.string().min(1),
  /** Explicit label file; null: ImageNet-1k for 1000-class models, else `<model>.labels.*` beside the model. */
  labelsPath: z.string().min(1).nullable(),
  ep: z.enum(EP_CHOICES),
  threads: positiveInt,
  batchSize: positiveInt,
  topK: positiveInt,
  threshold: z.number().min(0).max(1),
  maxPixels: positiveInt,
});

export const classifyItemSchema = z.strictObject({
  /** The caller's key for this file; results and `started` carry it back. */
  id: z.number().int().nonnegative(),
  /** Raw path bytes: file names need not be valid UTF-8. */
  path: z.custom<Uint8Array>(
    (value) => value instanceof Uint8Array,
    'expected the path as a Uint8Array of bytes',
  ),
  display: z.string(),
});

export const parentMessageSchema = z.discriminatedUnion('type', [
  engineOpenOptionsSchema.extend({ type: z.literal('open') }),
  z.strictObject({ type: z.literal('classify'), items: z.array(classifyItemSchema) }),
  z.strictObject({ type: z.literal('shutdown') }),
]);

// ---- child → parent ----

export const providerAttemptSchema = z.strictObject({
  provider: z.enum(ENGINE_PROVIDERS),
  ok: z.boolean(),
  error: z.string().nullable(),
});

export const readyInfoSchema = z.strictObject({
  provider: z.enum(ENGINE_PROVIDERS),
  attempts: z.array(providerAttemptSchema),
  modelName: z.string(),
  numClasses: positiveInt,
  /** Model input [height, width]. */
  inputSize: z.tuple([positiveInt, positiveInt]),
  /** Batch size the model demands, or null when its batch dimension is dynamic. */
  fixedBatch: positiveInt.nullable(),
});

export const childMessageSchema = z.discriminatedUnion('type', [
  readyInfoSchema.extend({ type: z.literal('ready') }),
  /** The child is about to hand this file to the decoder: if it dies now, this file is a suspect. */
  z.strictObject({ type: z.literal('started'), id: z.number().int().nonnegative() }),
  z.strictObject({ type: z.literal('result'), id: z.number().int().nonnegative(), result: fileResultSchema }),
  /** A classify request is finished (informational). */
  z.strictObject({ type: z.literal('batch-done'), count: z.number().int().nonnegative() }),
  /** The engine cannot go on (model failed to load, inference failed, protocol violation); it exits next. */
  z.strictObject({ type: z.literal('fatal'), message: z.string() }),
  z.strictObject({ type: z.literal('log'), level: z.enum(LOG_LEVELS), message: z.string() }),
]);

export type EngineOpenOptions = z.infer<typeof engineOpenOptionsSchema>;
export type ClassifyItem = z.infer<typeof classifyItemSchema>;
export type ProviderAttemptInfo = z.infer<typeof providerAttemptSchema>;
export type EngineReadyInfo = z.infer<typeof readyInfoSchema>;
export type ParentMessage = z.infer<typeof parentMessageSchema>;
export type ChildMessage = z.infer<typeof childMessageSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A message that does not match the contract: a bug on the other side, never a user error. */
export class EngineContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EngineContractError';
  }
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
  throw new EngineContractError(`invalid ${what}${type}: ${issues}`);
}

/** Validates open options (the supervisor checks them before starting a child). */
export function parseOpenOptions(value: unknown): EngineOpenOptions {
  return parseWith(engineOpenOptionsSchema, value, 'open options');
}

/** Validates a message received by the engine child; throws EngineContractError when it is malformed. */
export function parseParentMessage(value: unknown): ParentMessage {
  return parseWith(parentMessageSchema, value, 'supervisor→engine message');
}

/** Validates a message received by the supervisor; throws EngineContractError when it is malformed. */
export function parseChildMessage(value: unknown): ChildMessage {
  return parseWith(childMessageSchema, value, 'engine→supervisor message');
}
