// Messages between Electron main and the service host in its utilityProcess (shared by both): zod envelopes.
// No Node or Electron imports: main imports this file to build requests and to check what comes back.

import { z } from 'zod';
import { EVENTS, REQUESTS, exportRequestSchema, type EventChannel, type RequestChannel } from './contract.js';
import { errorInfoSchema } from './errors.js';

/**
 * Requests only main makes, besides the contract's: the renderer can never name these (main's IPC layer
 * only forwards contract channels). `export:toPath` is export:run with the save dialog's path,
 * `images:image` the bytes behind app://thumb/<id> and app://preview/<id>, `host:close` a clean shutdown
 * (jobs cancelled, engine stopped, library closed; the host exits after answering).
 */
export const HOST_CHANNELS = {
  exportToPath: 'export:toPath',
  image: 'images:image',
  close: 'host:close',
} as const;
export type HostChannel = (typeof HOST_CHANNELS)[keyof typeof HOST_CHANNELS];

export const exportToPathInputSchema = exportRequestSchema.extend({ path: z.string().min(1).max(4096) });
export const exportToPathOutputSchema = REQUESTS['export:run'].output;

/** thumb: the grid's (≤ 256 px) · preview: the detail view's (≤ 1024 px). */
export const IMAGE_VARIANTS = ['thumb', 'preview'] as const;
export type ImageVariant = (typeof IMAGE_VARIANTS)[number];

export const imageInputSchema = z.strictObject({
  imageId: z.number().int().positive(),
  variant: z.enum(IMAGE_VARIANTS),
});
/** JPEG bytes, or null (unknown, missing or undecodable photo: main answers 404). */
export const imageOutputSchema = z
  .strictObject({ mime: z.enum(['image/jpeg', 'image/webp', 'image/png']), data: z.instanceof(Uint8Array) })
  .nullable();

export const closeInputSchema = z.strictObject({});

const messageId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const allChannels = [...(Object.keys(REQUESTS) as RequestChannel[]), ...Object.values(HOST_CHANNELS)];
const eventChannels = Object.keys(EVENTS) as EventChannel[];

// ---- main → host ----

/** `payload` is checked against the channel's input schema by the host (contract or host channel). */
export const hostRequestSchema = z.strictObject({
  kind: z.literal('request'),
  id: messageId,
  channel: z.enum(allChannels as [RequestChannel | HostChannel, ...(RequestChannel | HostChannel)[]]),
  payload: z.unknown(),
});

// ---- host → main ----

/**
 * The answer to the request with this id; a failure carries its error code (errors.ts). id is null only when
 * a message was so malformed that its id could not be read (code 'bad_request'): main logs it, no request
 * waits for it.
 */
export const hostResponseSchema = z.discriminatedUnion('ok', [
  z.strictObject({ kind: z.literal('response'), id: messageId, ok: z.literal(true), result: z.unknown() }),
  z.strictObject({
    kind: z.literal('response'),
    id: messageId.nullable(),
    ok: z.literal(false),
    error: errorInfoSchema,
  }),
]);

/** An app event for the renderer: payload matches EVENTS[channel]. */
export const hostEventSchema = z.strictObject({
  kind: z.literal('event'),
  channel: z.enum(eventChannels as [EventChannel, ...EventChannel[]]),
  payload: z.unknown(),
});

/** Sent once, when the service is up (library open). Requests sent earlier are queued, not lost. */
export const hostReadySchema = z.strictObject({ kind: z.literal('ready') });

/** The service could not start (library unreadable, written by a newer version…); the host exits next. */
export const hostFatalSchema = z.strictObject({ kind: z.literal('fatal'), message: z.string() });

/** Warnings of the service, the watcher and the engine, for main's log. */
export const hostLogSchema = z.strictObject({
  kind: z.literal('log'),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
});

export const hostOutgoingSchema = z.union([
  hostResponseSchema,
  hostEventSchema,
  hostReadySchema,
  hostFatalSchema,
  hostLogSchema,
]);

// ---- engine children (host ⇄ main) ----
// Inside Electron the host cannot fork (no ELECTRON_RUN_AS_NODE): main forks each engine child as a
// utilityProcess for it and hands the two ends of a MessageChannelMain to the child and the host. The
// supervisor in the host still owns restarts and crash blame; main only starts, kills and reports exits.

/** Every engine-child message's kind starts with this, so both sides can route them apart from requests. */
export const ENGINE_CHILD_PREFIX = 'engine-child:';

/** host → main: start child `childId` (the host's own number, unique for the host's life) / kill it. */
export const engineChildRequestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('engine-child:start'), childId: messageId }),
  z.strictObject({ kind: z.literal('engine-child:kill'), childId: messageId }),
]);

/**
 * main → host. `started` carries the supervisor's port (the message's one transferred port) once the
 * process runs; `exit` follows exactly once per start: its exit code (platform-specific for a crash), or
 * `error` when it never started.
 */
export const engineChildReportSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('engine-child:started'),
    childId: messageId,
    pid: z.number().int().positive().nullable(),
  }),
  z.strictObject({
    kind: z.literal('engine-child:exit'),
    childId: messageId,
    code: z.number().int().nullable(),
    error: z.string().nullable(),
  }),
]);

/** Whether a raw message is an engine-child one (valid or not): the request/response layers leave those alone. */
export function isEngineChildMessage(data: unknown): boolean {
  if (typeof data !== 'object' || data === null || !('kind' in data)) return false;
  const kind = (data as { kind: unknown }).kind;
  return typeof kind === 'string' && kind.startsWith(ENGINE_CHILD_PREFIX);
}

export type HostRequest = z.infer<typeof hostRequestSchema>;
export type HostResponse = z.infer<typeof hostResponseSchema>;
export type HostEvent = z.infer<typeof hostEventSchema>;
export type HostOutgoing = z.infer<typeof hostOutgoingSchema>;
export type ImageOutput = z.infer<typeof imageOutputSchema>;
export type EngineChildRequest = z.infer<typeof engineChildRequestSchema>;
export type EngineChildReport = z.infer<typeof engineChildReportSchema>;
