// Write-finish wait outside chokidar (engine process): used for files found while the watcher was switching.

import { promises as fsp } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Resolves true once `file` is a regular file whose size and mtime have not moved for `stabilityMs`
 * (checked every `pollMs`), the same test chokidar's awaitWriteFinish applies; false if it vanished,
 * is not a regular file, or `signal` aborted.
 */
export async function waitUntilSettled(
  file: string,
  stabilityMs: number,
  pollMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  let last: { size: number; mtimeMs: number } | null = null;
  let stableSince = Date.now();
  while (!signal.aborted) {
    let stats;
    try {
      // stat, not lstat: the watcher follows symlinks, like the walker.
      stats = await fsp.stat(file);
    } catch {
      return false;
    }
    if (!stats.isFile()) return false;
    const now = Date.now();
    if (last === null || stats.size !== last.size || stats.mtimeMs !== last.mtimeMs) {
      last = { size: stats.size, mtimeMs: stats.mtimeMs };
      stableSince = now;
    } else if (now - stableSince >= stabilityMs) {
      return true;
    }
    try {
      await sleep(pollMs, undefined, { signal });
    } catch {
      return false;
    }
  }
  return false;
}
