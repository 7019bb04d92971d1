// libuv thread-pool sizing (engine): sharp decodes run on libuv's pool, which defaults to 4 threads whatever the CPU.

import { availableParallelism } from 'node:os';

/** One decode per core (at least libuv's default 4, at most 64). */
export function decodingThreadpoolSize(): string {
  return String(Math.min(64, Math.max(4, availableParallelism())));
}

/**
 * Must run before anything queues work on the pool (libuv reads the variable once, on first use), so
 * entry points call it first; a value the user set is kept.
 */
export function sizeThreadpoolForDecoding(env: NodeJS.ProcessEnv = process.env): void {
  env.UV_THREADPOOL_SIZE ??= decodingThreadpoolSize();
}
