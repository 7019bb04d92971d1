// The preload's window.skiptag handle (renderer): imported only by the stores in lib/stores/.
import type { SkiptagApi } from '$contract';

declare global {
  interface Window {
    skiptag?: SkiptagApi;
  }
}

/** Looked up on each call, not at import time, so tests can install a fake before the first call. */
export function skiptag(): SkiptagApi {
  const api = window.skiptag;
  if (!api) throw new Error('window.skiptag is missing: the preload script did not run');
  return api;
}

/** Ids go over IPC in chunks: the contract caps a request at 100,000 and smaller messages keep the UI responsive. */
export const ID_CHUNK = 10_000;

export function chunks<T>(items: readonly T[], size = ID_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
