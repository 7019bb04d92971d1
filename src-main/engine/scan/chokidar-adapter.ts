// The folder watcher's dealings with chokidar (engine process): which paths are worth reporting, what a watcher tracks, its write-finish waits, its errors in words.
// `_pendingWrites` is chokidar's own but declared in its typings; each use degrades safely if it goes away.

import path from 'node:path';
import { promises as fsp, type Stats } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FSWatcher } from 'chokidar';
import { classifyExtension, isHiddenName, isSystemFileName, isSystemFolderName } from './name-rules.js';

/**
 * Names browsers, download managers and office suites give a file while it is still being written;
 * the finished file is renamed into place and reported then, under its real name.
 */
export function isPartialDownloadName(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower.endsWith('.part') ||
    lower.endsWith('.crdownload') ||
    lower.endsWith('.tmp') ||
    lower.startsWith('.~')
  );
}

/**
 * chokidar's `ignored` callback for one watched root. The same rules as the walker (hidden entries,
 * AppleDouble files, NAS/OS junk folders) applied to every component below the root, so the root itself,
 * like a folder named on the command line, is never judged by its name. chokidar calls it once without
 * stats (a folder must then not be ruled out by its missing extension) and again with them, which is
 * when non-photos are dropped before they cost a write-finish poll.
 */
export function watchIgnoreRule(root: string, includeHidden: boolean): (p: string, stats?: Stats) => boolean {
  return (p, stats) => {
    const relative = path.relative(root, p);
    const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
    if (relative === '' || outside) return false;
    const parts = relative.split(path.sep);
    for (const part of parts) {
      const bytes = Buffer.from(part, 'utf8');
      if (isSystemFolderName(bytes) || isSystemFileName(bytes)) return true;
      if (!includeHidden && isHiddenName(bytes)) return true;
    }
    const name = parts.at(-1) ?? '';
    if (isPartialDownloadName(name)) return true;
    return stats?.isFile() === true && classifyExtension(name) === 'other';
  };
}

/** What a file event must pass to be reported: a photo, or an image format Skiptag will flag as unsupported. */
export function isReportableFile(p: string): boolean {
  const name = path.basename(p);
  return !isPartialDownloadName(name) && classifyExtension(name) !== 'other';
}

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

/** On a switch to polling: one line for the user saying why watching got slower and, where there is one, how to fix it. */
export function pollingReason(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
      // inotify_add_watch reports the per-user watch limit as ENOSPC ("no space" for watches, not disk).
      return 'file watch limit reached (ENOSPC); using polling (slower) — raise fs.inotify.max_user_watches to fix';
    case 'EMFILE':
    case 'ENFILE':
      return `too many open files or watchers (${code}); using polling (slower) — raise fs.inotify.max_user_instances or the open-file limit to fix`;
    case 'EPERM':
    case 'EACCES':
      // Typical of SMB/NFS mounts, where the kernel cannot deliver change events at all.
      return `native watching not permitted (${code}, common on network drives); using polling (slower)`;
    default:
      return `native watching failed (${code ?? error.message}); using polling (slower)`;
  }
}

/**
 * The write-finish wait outside chokidar, for files found while the watcher was switching: resolves true
 * once `file` is a regular file whose size and mtime have not moved for `stabilityMs` (checked every
 * `pollMs`), the same test chokidar's awaitWriteFinish applies; false if it vanished, is not a regular
 * file, or `signal` aborted.
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
