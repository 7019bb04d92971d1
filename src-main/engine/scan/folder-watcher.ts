// Folder watcher (engine process): reports photos arriving in, changing in and leaving watched folders.

import { EventEmitter } from 'node:events';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FSWatcher, watch } from 'chokidar';
import {
  cancelPendingWrites,
  isReportableFile,
  settledPaths,
  watchedPaths,
  watchIgnoreRule,
} from './chokidar-adapter.js';

export type WatchMode = 'events' | 'polling';

export interface FolderWatcherOptions {
  /** A new or changed file is reported once its size has not moved for this long (default 1500 ms). */
  stabilityMs?: number;
  /** How often a file in that wait is stat'ed (default 250 ms). */
  pollIntervalMs?: number;
  /** Start in polling mode, for network drives where change events never arrive (default false). */
  forcePolling?: boolean;
  /** How often polling mode stats every watched file and folder (default 2000 ms). */
  pollingIntervalMs?: number;
  /** Report files inside hidden folders and hidden files too, like the walker's option (default false). */
  includeHidden?: boolean;
}

/**
 * Paths are absolute strings. chokidar decodes names as UTF-8, so a name that is not valid UTF-8 comes
 * out with U+FFFD and cannot be opened again; its write-finish stat fails and it is never reported. The
 * reconcile pass, whose walker keeps paths as bytes, is what picks such files up.
 *
 * A rename inside a watched folder arrives as file-removed for the old name and file-added for the new
 * one: neither the kernel nor chokidar pairs them, and the library matches the two by device + inode.
 */
export interface FolderWatcherEvents {
  'file-added': [path: string];
  'file-changed': [path: string];
  'file-removed': [path: string];
  /** Only on a switch; the starting mode is `watchMode`. */
  mode: [kind: WatchMode, reason: string | null];
  /** Errors in polling mode; in events mode an error switches to polling instead. Listen for it. */
  error: [error: Error];
}

interface Root {
  folder: string;
  watcher: FSWatcher;
  ready: Promise<void>;
  isReady: boolean;
  retired: boolean;
  markReady: () => void;
  /** Adds this watcher reported itself, so a path recovered after a switch is not reported twice. */
  added: Set<string> | null;
}

/** One chokidar watcher per folder: add/remove/ready stay per folder and a switch restarts each one. */
export class FolderWatcher extends EventEmitter<FolderWatcherEvents> {
  private readonly stabilityMs: number;
  private readonly pollIntervalMs: number;
  private readonly pollingIntervalMs: number;
  private readonly includeHidden: boolean;
  private readonly roots = new Map<string, Root>();
  private readonly closing = new Set<Promise<void>>();
  /** Cancels the write-finish waits of files recovered after a switch. */
  private readonly stop = new AbortController();
  private mode: WatchMode;
  private reason: string | null;
  private closed = false;

  constructor(options: FolderWatcherOptions = {}) {
    super();
    this.stabilityMs = options.stabilityMs ?? 1500;
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.pollingIntervalMs = options.pollingIntervalMs ?? 2000;
    this.includeHidden = options.includeHidden ?? false;
    this.mode = options.forcePolling === true ? 'polling' : 'events';
    this.reason = options.forcePolling === true ? 'polling requested' : null;
  }

  get watchMode(): WatchMode {
    return this.mode;
  }

  get modeReason(): string | null {
    return this.reason;
  }

  /** Files already in the folder are not reported: the reconcile pass handles those. */
  add(folder: string): void {
    if (this.closed) throw new Error('FolderWatcher is closed');
    const root = path.resolve(folder);
    if (!this.roots.has(root)) this.roots.set(root, this.startRoot(root));
  }

  async remove(folder: string): Promise<void> {
    const root = this.roots.get(path.resolve(folder));
    if (root === undefined) return;
    this.roots.delete(root.folder);
    await this.retire(root);
  }

  /** Resolves when every folder added so far has been scanned and is being watched (after a switch too). */
  async ready(): Promise<void> {
    for (;;) {
      const pending = [...this.roots.values()].filter((root) => !root.isReady);
      if (pending.length === 0) return;
      await Promise.all(pending.map((root) => root.ready));
    }
  }

  /** No event is emitted once this is called; resolves when every file-system watch is released. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort();
    const roots = [...this.roots.values()];
    this.roots.clear();
    await Promise.all([...roots.map((root) => this.retire(root)), ...this.closing]);
  }

  /** Test hook: the live chokidar watchers, so a test can inject the errors a real watch limit causes. */
  nativeWatchersForTest(): FSWatcher[] {
    return [...this.roots.values()].map((root) => root.watcher);
  }

  private startRoot(folder: string): Root {
    const polling = this.mode === 'polling';
    const watcher = watch(folder, {
      ignoreInitial: true,
      persistent: true,
      followSymlinks: true,
      usePolling: polling,
      // chokidar polls "binary" files (jpg, png...) at binaryInterval: both must follow the option.
      interval: this.pollingIntervalMs,
      binaryInterval: this.pollingIntervalMs,
      // Size must hold still for stabilityMs before add/change is emitted: no half-copied photo is reported.
      // It also turns a partial download renamed into place into a single add for the final name.
      awaitWriteFinish: { stabilityThreshold: this.stabilityMs, pollInterval: this.pollIntervalMs },
      ignored: watchIgnoreRule(folder, this.includeHidden),
    });
    let markReady = (): void => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const root: Root = { folder, watcher, ready, isReady: false, retired: false, markReady, added: null };
    watcher.on('add', (p) => {
      root.added?.add(p);
      this.report(root, 'file-added', p);
    });
    watcher.on('change', (p) => this.report(root, 'file-changed', p));
    watcher.on('unlink', (p) => this.report(root, 'file-removed', p));
    watcher.on('error', (error) => this.onError(root, error));
    watcher.once('ready', () => {
      root.isReady = true;
      root.markReady();
    });
    return root;
  }

  private report(root: Root, event: 'file-added' | 'file-changed' | 'file-removed', p: string): void {
    if (this.closed || root.retired || !isReportableFile(p)) return;
    // With nested folders both watchers see the file: only the innermost one reports it.
    if (this.ownerOf(p) !== root) return;
    this.emit(event, p);
  }

  private ownerOf(p: string): Root | undefined {
    let owner: Root | undefined;
    for (const root of this.roots.values()) {
      if (!isInside(root.folder, p)) continue;
      if (owner === undefined || root.folder.length > owner.folder.length) owner = root;
    }
    return owner;
  }

  private onError(root: Root, thrown: unknown): void {
    if (this.closed || root.retired) return;
    const error = thrown instanceof Error ? thrown : new Error(String(thrown));
    // Any error from native watching means some folder may no longer be watched (ENOSPC, EMFILE, EPERM on
    // network drives...); polling is slower but never runs out of inotify watches.
    if (this.mode === 'events') this.fallBackToPolling(pollingReason(error));
    else this.emit('error', error);
  }

  private fallBackToPolling(reason: string): void {
    this.mode = 'polling';
    this.reason = reason;
    for (const old of [...this.roots.values()]) {
      // Only a watcher that finished its first scan knows what was already there; otherwise every
      // unscanned file would look new, and the reconcile pass after ready() covers them anyway.
      const seen = old.isReady ? settledPaths(old.watcher) : null;
      void this.retire(old);
      const fresh = this.startRoot(old.folder);
      this.roots.set(old.folder, fresh);
      if (seen !== null) {
        fresh.added = new Set();
        void fresh.ready.then(() => this.recoverSwitchGap(fresh, seen));
      }
    }
    this.emit('mode', 'polling', reason);
  }

  /**
   * Files that came or went while the watcher was switching (or were still in the old watcher's
   * write-finish wait) would otherwise go unreported until the next reconcile pass.
   */
  private async recoverSwitchGap(root: Root, seen: Set<string>): Promise<void> {
    const now = watchedPaths(root.watcher);
    for (const p of seen) if (!now.has(p)) this.report(root, 'file-removed', p);
    const arrived = [...now].filter((p) => !seen.has(p) && isReportableFile(p));
    // Usually a handful of files; each wait is a stat every pollIntervalMs.
    await Promise.all(
      arrived.map(async (p) => {
        const settled = await waitUntilSettled(p, this.stabilityMs, this.pollIntervalMs, this.stop.signal);
        if (settled && root.added?.has(p) !== true) this.report(root, 'file-added', p);
      }),
    );
    root.added = null;
  }

  private async retire(root: Root): Promise<void> {
    root.retired = true;
    root.isReady = true;
    root.markReady();
    cancelPendingWrites(root.watcher);
    root.watcher.removeAllListeners();
    // A late error from a watcher being closed must not become an unhandled 'error' event.
    root.watcher.on('error', () => undefined);
    const closing = root.watcher.close().catch(() => undefined);
    this.closing.add(closing);
    try {
      await closing;
    } finally {
      this.closing.delete(closing);
    }
  }
}

function isInside(folder: string, p: string): boolean {
  if (p === folder) return true;
  const prefix = folder.endsWith(path.sep) ? folder : folder + path.sep;
  return p.startsWith(prefix);
}

/** On a switch to polling: one line for the user saying why watching got slower and, where there is one, how to fix it. */
function pollingReason(error: Error): string {
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
async function waitUntilSettled(
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
