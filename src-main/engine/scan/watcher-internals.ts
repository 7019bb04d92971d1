// chokidar state the folder watcher reads (engine process): what a watcher tracks and its write-finish waits.
// `_pendingWrites` is chokidar's own but declared in its typings; each use degrades safely if it goes away.

import path from 'node:path';
import type { FSWatcher } from 'chokidar';

/** Every path (files and folders) a chokidar watcher is tracking: what it listed at start plus what it saw since. */
export function watchedPaths(watcher: FSWatcher): Set<string> {
  const paths = new Set<string>();
  for (const [dir, names] of Object.entries(watcher.getWatched())) {
    for (const name of names) paths.add(path.join(dir, name));
  }
  return paths;
}

/**
 * Paths a watcher has reported or listed at start, leaving out files still in its write-finish wait:
 * those were never reported, so after a switch they must count as new. Without `_pendingWrites` they are
 * simply left to the reconcile pass.
 */
export function settledPaths(watcher: FSWatcher): Set<string> {
  const paths = watchedPaths(watcher);
  const pending: unknown = watcher._pendingWrites;
  if (pending instanceof Map) for (const key of pending.keys()) paths.delete(String(key));
  return paths;
}

/**
 * chokidar's close() leaves write-finish waits running: each keeps stat'ing its file (and the process
 * alive) until the size settles, forever for a file that keeps growing. Cancelling them first makes
 * close() final.
 */
export function cancelPendingWrites(watcher: FSWatcher): void {
  const pending: unknown = watcher._pendingWrites;
  if (!(pending instanceof Map)) return;
  for (const write of [...pending.values()] as unknown[]) {
    const cancel = (write as { cancelWait?: unknown } | null)?.cancelWait;
    if (typeof cancel === 'function') cancel.call(write);
  }
}
