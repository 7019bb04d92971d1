// Folder watcher (engine process): reports photos arriving in, changing in and leaving watched folders.

import { EventEmitter } from 'node:events';
import { promises as fsp, statSync } from 'node:fs';
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import {
  cancelPendingWrites,
  isReportableFile,
  pollingReason,
  settledPaths,
  waitUntilSettled,
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
  /**
   * How often each watched folder itself is checked: gone (deleted, unmounted), replaced by a new folder
   * of the same name, or back (default 2000 ms). A file-system watch dies with its folder.
   */
  rootCheckMs?: number;
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
  /** A watched folder disappeared (deleted, renamed, its drive unmounted): watched again when it returns. */
  'folder-gone': [folder: string];
  /**
   * A watched folder that was gone (or missing when added) exists again and is watched again. Files already
   * in it are not reported: the owner rescans it.
   */
  'folder-back': [folder: string];
}

interface Root {
  folder: string;
  /** Null while the folder does not exist: waiting for it to come back. */
  watcher: FSWatcher | null;
  /** device:inode of the folder watched, so a folder deleted and made again under the same name is noticed. */
  identity: string | null;
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
  private readonly rootCheckMs: number;
  private readonly roots = new Map<string, Root>();
  private rootTimer: NodeJS.Timeout | null = null;
  private checkingRoots = false;
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
    this.rootCheckMs = options.rootCheckMs ?? 2000;
    this.mode = options.forcePolling === true ? 'polling' : 'events';
    this.reason = options.forcePolling === true ? 'polling requested' : null;
  }

  get watchMode(): WatchMode {
    return this.mode;
  }

  get modeReason(): string | null {
    return this.reason;
  }

  /**
   * Files already in the folder are not reported: the reconcile pass handles those. A folder that does not
   * exist (yet, or any more: an unplugged drive) is waited for, and reported with 'folder-back' once there.
   */
  add(folder: string): void {
    if (this.closed) throw new Error('FolderWatcher is closed');
    const root = path.resolve(folder);
    if (this.roots.has(root)) return;
    const identity = identityOf(root);
    this.roots.set(root, identity === null ? absentRoot(root) : this.startRoot(root, identity));
    if (this.rootTimer === null) {
      this.rootTimer = setInterval(() => void this.checkRoots(), this.rootCheckMs);
      this.rootTimer.unref();
    }
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
    if (this.rootTimer !== null) clearInterval(this.rootTimer);
    const roots = [...this.roots.values()];
    this.roots.clear();
    await Promise.all([...roots.map((root) => this.retire(root)), ...this.closing]);
  }

  /** Test hook: the live chokidar watchers, so a test can inject the errors a real watch limit causes. */
  nativeWatchersForTest(): FSWatcher[] {
    return [...this.roots.values()].flatMap((root) => (root.watcher ? [root.watcher] : []));
  }

  /** Folders being waited for: watched folders that do not exist now. */
  get absentFolders(): string[] {
    return [...this.roots.values()].filter((root) => root.watcher === null).map((root) => root.folder);
  }

  /**
   * Notices watched folders that went away or were replaced (their watch is dead) and folders that came
   * back (watched again). chokidar reports neither: after `rm -r folder; mkdir folder` it stays silent.
   */
  private async checkRoots(): Promise<void> {
    if (this.checkingRoots || this.closed) return;
    this.checkingRoots = true;
    try {
      for (const root of [...this.roots.values()]) {
        if (this.closed) return;
        if (root.retired || this.roots.get(root.folder) !== root) continue;
        const identity = await identityOfAsync(root.folder);
        if (identity === root.identity) continue;
        if (root.watcher !== null) {
          // The watch belongs to a folder that is gone (or was replaced): drop it, then wait or re-arm.
          void this.retire(root);
          this.roots.set(root.folder, absentRoot(root.folder));
          this.emit('folder-gone', root.folder);
        }
        if (identity !== null) this.rearm(root.folder, identity);
      }
    } finally {
      this.checkingRoots = false;
    }
  }

  private rearm(folder: string, identity: string): void {
    const fresh = this.startRoot(folder, identity);
    this.roots.set(folder, fresh);
    void fresh.ready.then(() => {
      if (!this.closed && !fresh.retired && this.roots.get(folder) === fresh)
        this.emit('folder-back', folder);
    });
  }

  private startRoot(folder: string, identity: string | null): Root {
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
    const root: Root = {
      folder,
      watcher,
      identity,
      ready,
      isReady: false,
      retired: false,
      markReady,
      added: null,
    };
    watcher.on('add', (p) => {
      root.added?.add(p);
      this.report(root, 'file-added', p);
    });
    watcher.on('change', (p) => this.report(root, 'file-changed', p));
    watcher.on('unlink', (p) => this.report(root, 'file-removed', p));
    // The folder itself went: check at once rather than at the next round.
    watcher.on('unlinkDir', (p) => {
      if (path.resolve(p) === folder) void this.checkRoots();
    });
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
      if (root.watcher === null || !isInside(root.folder, p)) continue;
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
      if (old.watcher === null) continue;
      // Only a watcher that finished its first scan knows what was already there; otherwise every
      // unscanned file would look new, and the reconcile pass after ready() covers them anyway.
      const seen = old.isReady ? settledPaths(old.watcher) : null;
      void this.retire(old);
      const fresh = this.startRoot(old.folder, old.identity);
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
    if (root.watcher === null) return;
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
    const watcher = root.watcher;
    if (watcher === null) return;
    cancelPendingWrites(watcher);
    watcher.removeAllListeners();
    // A late error from a watcher being closed must not become an unhandled 'error' event.
    watcher.on('error', () => undefined);
    const closing = watcher.close().catch(() => undefined);
    this.closing.add(closing);
    try {
      await closing;
    } finally {
      this.closing.delete(closing);
    }
  }
}

/** A watched folder that does not exist now: nothing to close, nothing to wait for. */
function absentRoot(folder: string): Root {
  return {
    folder,
    watcher: null,
    identity: null,
    ready: Promise.resolve(),
    isReady: true,
    retired: false,
    markReady: () => undefined,
    added: null,
  };
}

/** device:inode of a folder, or null when it is not there (or not a folder). */
function identityOf(folder: string): string | null {
  try {
    const stats = statSync(folder, { bigint: true });
    return stats.isDirectory() ? `${stats.dev}:${stats.ino}` : null;
  } catch {
    return null;
  }
}

async function identityOfAsync(folder: string): Promise<string | null> {
  try {
    const stats = await fsp.stat(folder, { bigint: true });
    return stats.isDirectory() ? `${stats.dev}:${stats.ino}` : null;
  } catch {
    return null;
  }
}

function isInside(folder: string, p: string): boolean {
  if (p === folder) return true;
  const prefix = folder.endsWith(path.sep) ? folder : folder + path.sep;
  return p.startsWith(prefix);
}
