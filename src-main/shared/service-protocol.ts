// The main ⇄ service protocol (shared): requests, responses and events between Electron main and the service process.
// No Node or Electron imports. Both ends are Skiptag's own trusted processes: payloads were validated once, by
// main's IPC wrapper, when they came from the renderer; nothing here is validated again.

import type {
  EventChannel,
  ExportRequestParsed,
  RequestChannel,
  RequestInputParsed,
  RequestOutput,
} from './contract.js';
import type { ErrorInfo } from './errors.js';

/**
 * Requests only main makes, besides the contract's: the renderer can never name these (main's IPC layer
 * only forwards contract channels). `export:toPath` is export:run with the save dialog's path,
 * `images:image` the bytes behind app://thumb/<id> and app://preview/<id>, `service:close` a clean
 * shutdown (jobs cancelled, workers stopped, library closed; the service exits after answering).
 */
export const SERVICE_CHANNELS = {
  exportToPath: 'export:toPath',
  image: 'images:image',
  close: 'service:close',
} as const;
export type MainOnlyChannel = (typeof SERVICE_CHANNELS)[keyof typeof SERVICE_CHANNELS];
export type ServiceChannel = RequestChannel | MainOnlyChannel;

/**
 * thumb: the grid's ≤ 256 px · small: the grid's ≤ 176 px, for small cells on 1× screens · preview: the detail
 * panel's ≤ 1024 px · full: the viewer's 100% zoom (≤ 8192 px).
 */
export const IMAGE_VARIANTS = ['thumb', 'small', 'preview', 'full'] as const;
export type ImageVariant = (typeof IMAGE_VARIANTS)[number];

/** A rendition's bytes for app://; null when there is none (unknown, missing or undecodable photo: 404). */
export type ImageOutput = { mime: 'image/jpeg'; data: Uint8Array } | null;

/** Inputs and outputs of main-only channels; the contract's channels keep their contract types. */
export interface MainOnlyRequests {
  'export:toPath': { input: ExportRequestParsed & { path: string }; output: RequestOutput<'export:run'> };
  'images:image': { input: { imageId: number; variant: ImageVariant }; output: ImageOutput };
  'service:close': { input: Record<string, never>; output: null };
}

export type ServiceInput<C extends ServiceChannel> = C extends RequestChannel
  ? RequestInputParsed<C>
  : C extends MainOnlyChannel
    ? MainOnlyRequests[C]['input']
    : never;
export type ServiceOutput<C extends ServiceChannel> = C extends RequestChannel
  ? RequestOutput<C>
  : C extends MainOnlyChannel
    ? MainOnlyRequests[C]['output']
    : never;

// ---- workers, brokered by main ----
// Inside Electron the service cannot fork (no ELECTRON_RUN_AS_NODE): main forks each worker as a
// utilityProcess for it and hands the two ends of a MessageChannelMain to the worker and the service. The
// service's supervisor still owns restarts and crash blame; main only starts, kills and reports exits.

/** The first message main posts to a new worker; its one transferred port leads to the worker's supervisor. */
export const WORKER_PORT_KIND = 'worker:port';

/** service → main: start worker `workerId` (the service's own number, unique for its life) / kill it. */
export type WorkerBrokerRequest =
  { kind: 'worker:start'; workerId: number } | { kind: 'worker:kill'; workerId: number };

/**
 * main → service. `started` carries the supervisor's port (the message's one transferred port) once the
 * process runs; `exit` follows exactly once per start: its exit code (platform-specific for a crash), or
 * `error` when it never started.
 */
export type WorkerBrokerReport =
  | { kind: 'worker:started'; workerId: number; pid: number | null }
  | { kind: 'worker:exit'; workerId: number; code: number | null; error: string | null };

/** Whether a message is one of the worker:* ones, which the request and response layers leave alone. */
export function isWorkerBrokerMessage(data: unknown): boolean {
  if (typeof data !== 'object' || data === null || !('kind' in data)) return false;
  const kind = (data as { kind: unknown }).kind;
  return typeof kind === 'string' && kind.startsWith('worker:');
}

// ---- the envelopes ----

export type ToService =
  { kind: 'request'; id: number; channel: ServiceChannel; payload: unknown } | WorkerBrokerReport;

export type FromService =
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: ErrorInfo }
  | { kind: 'event'; channel: EventChannel; payload: unknown }
  /** Sent once, when the service is up (library open). Requests sent earlier are queued, not lost. */
  | { kind: 'ready' }
  /** The service could not start (library unreadable, written by a newer version…); it exits next. */
  | { kind: 'fatal'; message: string }
  /** Warnings of the service, the watcher and the workers, for main's log. */
  | { kind: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; message: string }
  | WorkerBrokerRequest;
