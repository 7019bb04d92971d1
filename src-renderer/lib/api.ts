// The preload's window.skiptag, unwrapped (renderer): imported only by the stores in lib/stores/.
import type { ApiResult, ErrorCode, ErrorInfo, SkiptagApi } from '$contract';

declare global {
  interface Window {
    skiptag?: SkiptagApi;
  }
}

/** A failed request: `code` is the contract's stable error code, the one thing stores branch on. */
export class SkiptagError extends Error {
  readonly code: ErrorCode;

  constructor(info: ErrorInfo) {
    super(info.message);
    this.name = 'SkiptagError';
    this.code = info.code;
  }
}

/** Whether `error` is a failed request with this code (anything else thrown never matches). */
export function hasErrorCode(error: unknown, code: ErrorCode): boolean {
  return error instanceof SkiptagError && error.code === code;
}

type Unwrapped<F> = F extends (...args: infer A) => Promise<ApiResult<infer T>>
  ? (...args: A) => Promise<T>
  : F;

/** window.skiptag as the stores use it: requests resolve to their value or throw a SkiptagError. */
export type SkiptagClient = { [K in keyof SkiptagApi]: Unwrapped<SkiptagApi[K]> };

/** The subscriptions: they return an unsubscribe function, not an ApiResult, and pass through as they are. */
type EventMethod = {
  [K in keyof SkiptagApi]: ReturnType<SkiptagApi[K]> extends Promise<unknown> ? never : K;
}[keyof SkiptagApi];
const EVENT_METHODS = { onJobProgress: true, onLibraryChanged: true } satisfies Record<EventMethod, true>;

function unwrap<T>(result: ApiResult<T>): T {
  if (result.ok) return result.value;
  throw new SkiptagError(result.error);
}

const clients = new WeakMap<SkiptagApi, SkiptagClient>();

function clientFor(api: SkiptagApi): SkiptagClient {
  const client: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(api) as [string, (...args: unknown[]) => unknown][]) {
    client[name] = Object.hasOwn(EVENT_METHODS, name)
      ? method
      : async (...args: unknown[]) => unwrap(await (method(...args) as Promise<ApiResult<unknown>>));
  }
  return client as SkiptagClient;
}

/** Looked up on each call, not at import time, so tests can install a fake before the first call. */
export function skiptag(): SkiptagClient {
  const api = window.skiptag;
  if (!api) throw new Error('window.skiptag is missing: the preload script did not run');
  let client = clients.get(api);
  if (!client) {
    client = clientFor(api);
    clients.set(api, client);
  }
  return client;
}

/** Ids go over IPC in chunks: the contract caps a request at 100,000 and smaller messages keep the UI responsive. */
export const ID_CHUNK = 10_000;

export function chunks<T>(items: readonly T[], size = ID_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
