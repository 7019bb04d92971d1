// Integration test (test process): FolderWatcher on real files in a temp folder — write-finish, renames, filters, polling fallback, close.

import { statSync } from 'node:fs';
import { mkdir, mkdtemp, open, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FolderWatcher, type FolderWatcherOptions } from '../../src-main/engine/scan/folder-watcher.js';

const STABILITY_MS = 500;
const POLL_MS = 100;

interface Seen {
  event: 'file-added' | 'file-changed' | 'file-removed' | 'mode' | 'error';
  path: string;
  /** File size when the event fired (-1 when it was gone), to prove nothing half-written is reported. */
  size: number;
  at: number;
}

let dir: string;
let watcher: FolderWatcher | null = null;
let seen: Seen[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptag-watch-'));
  seen = [];
});

afterEach(async () => {
  await watcher?.close();
  watcher = null;
  await rm(dir, { recursive: true, force: true });
});

function sizeNow(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

async function start(options: FolderWatcherOptions = {}, folder = dir): Promise<FolderWatcher> {
  const w = new FolderWatcher({ stabilityMs: STABILITY_MS, pollIntervalMs: POLL_MS, ...options });
  for (const event of ['file-added', 'file-changed', 'file-removed'] as const) {
    w.on(event, (path) => seen.push({ event, path, size: sizeNow(path), at: Date.now() }));
  }
  w.on('mode', (kind, reason) =>
    seen.push({ event: 'mode', path: `${kind}: ${reason}`, size: 0, at: Date.now() }),
  );
  w.on('error', (error) => seen.push({ event: 'error', path: error.message, size: 0, at: Date.now() }));
  w.add(folder);
  watcher = w;
  await w.ready();
  return w;
}

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`Timed out waiting for ${what}; seen: ${JSON.stringify(seen)}`);
    await sleep(20);
  }
}

/** The first element, failing the test when there is none. */
function first<T>(items: readonly T[]): T {
  const item = items[0];
  if (item === undefined) throw new Error('expected at least one item');
  return item;
}

const events = (event: Seen['event'], path?: string) =>
  seen.filter((s) => s.event === event && (path === undefined || s.path === path));

/** Past any duplicate the watcher could still send: one more write-finish wait plus chokidar's timers. */
const settleExtra = () => sleep(STABILITY_MS + 400);

describe('FolderWatcher (native events)', () => {
  it('reports a photo copied in once, complete', async () => {
    await start();
    const photo = join(dir, 'IMG_0001.jpg');
    const bytes = Buffer.alloc(300_000, 7);
    await writeFile(photo, bytes);
    await waitFor(() => events('file-added').length > 0, 'file-added');
    await settleExtra();
    expect(events('file-added')).toMatchObject([{ path: photo, size: bytes.length }]);
    expect(seen).toHaveLength(1);
  });

  it('does not report a large file while it is written slowly, then reports it once, complete', async () => {
    await start();
    const photo = join(dir, 'big.jpg');
    const chunk = Buffer.alloc(256 * 1024, 1);
    const chunks = 16;
    const handle = await open(photo, 'w');
    const started = Date.now();
    for (let i = 0; i < chunks; i++) {
      await handle.write(chunk);
      await sleep(150);
      expect(seen, `event after chunk ${i + 1}`).toEqual([]);
    }
    await handle.close();
    const finished = Date.now();
    expect(finished - started).toBeGreaterThan(STABILITY_MS * 3);
    await waitFor(() => events('file-added').length > 0, 'file-added');
    await settleExtra();
    expect(events('file-added')).toMatchObject([{ path: photo, size: chunk.length * chunks }]);
    expect(seen).toHaveLength(1);
    // Write-finish waits out the stability time after the last write before it reports.
    expect(first(seen).at - finished).toBeGreaterThanOrEqual(STABILITY_MS - 150);
  });

  it('reports a partial download renamed into place once, under the final name', async () => {
    await start();
    const partial = join(dir, 'holiday.jpg.part');
    const photo = join(dir, 'holiday.jpg');
    const handle = await open(partial, 'w');
    for (let i = 0; i < 4; i++) {
      await handle.write(Buffer.alloc(64 * 1024, i));
      await sleep(100);
    }
    await handle.close();
    await writeFile(join(dir, 'other.crdownload'), 'x');
    await writeFile(join(dir, 'x.jpg.tmp'), 'x');
    await rename(partial, photo);
    await waitFor(() => events('file-added').length > 0, 'file-added');
    await settleExtra();
    expect(seen).toMatchObject([{ event: 'file-added', path: photo, size: 4 * 64 * 1024 }]);
  });

  it('reports an overwrite as changed, a delete as removed and a rename as removed + added', async () => {
    const a = join(dir, 'a.png');
    const b = join(dir, 'b.png');
    const c = join(dir, 'c.webp');
    await writeFile(a, Buffer.alloc(1000, 1));
    await writeFile(c, Buffer.alloc(1000, 1));
    await start();
    // Files already there are not reported (ignoreInitial): the reconcile pass owns them.
    await sleep(200);
    expect(seen).toEqual([]);

    await writeFile(a, Buffer.alloc(2000, 2));
    await waitFor(() => events('file-changed', a).length > 0, 'file-changed');
    expect(first(events('file-changed', a)).size).toBe(2000);

    await unlink(c);
    await waitFor(() => events('file-removed', c).length > 0, 'file-removed');

    await rename(a, b);
    await waitFor(() => events('file-added', b).length > 0, 'file-added after rename');
    await settleExtra();
    expect(seen.map((s) => [s.event, s.path])).toEqual([
      ['file-changed', a],
      ['file-removed', c],
      ['file-removed', a],
      ['file-added', b],
    ]);
  });

  it('ignores non-photos, hidden entries, AppleDouble files and junk folders, but reports nested photos', async () => {
    await start();
    await writeFile(join(dir, 'notes.txt'), 'hello');
    await writeFile(join(dir, '.hidden.jpg'), 'x');
    await writeFile(join(dir, '._IMG_1.jpg'), 'x');
    await writeFile(join(dir, '.~lock.IMG_1.jpg#'), 'x');
    await mkdir(join(dir, '.cache'));
    await writeFile(join(dir, '.cache', 'thumb.jpg'), 'x');
    await mkdir(join(dir, '@eaDir'));
    await writeFile(join(dir, '@eaDir', 'SYNOPHOTO_THUMB.jpg'), 'x');
    await mkdir(join(dir, '2024', 'trip'), { recursive: true });
    const nested = join(dir, '2024', 'trip', 'DSC_1.NEF');
    await writeFile(nested, 'raw');
    const sentinel = join(dir, 'sentinel.jpeg');
    await writeFile(sentinel, 'x');
    await waitFor(() => events('file-added').length >= 2, 'two file-added');
    await settleExtra();
    expect(seen.map((s) => s.path).sort()).toEqual([nested, sentinel].sort());
  });

  it('reports hidden photos with includeHidden, still not AppleDouble files', async () => {
    await start({ includeHidden: true });
    const hidden = join(dir, '.hidden.jpg');
    await writeFile(join(dir, '._IMG_1.jpg'), 'x');
    await writeFile(hidden, 'x');
    await waitFor(() => events('file-added').length > 0, 'file-added');
    await settleExtra();
    expect(seen.map((s) => s.path)).toEqual([hidden]);
  });

  it('reports a file in nested watched folders once, and nothing from a removed folder', async () => {
    const inner = join(dir, 'inner');
    await mkdir(inner);
    const w = await start();
    w.add(inner);
    await w.ready();
    const photo = join(inner, 'x.jpg');
    await writeFile(photo, 'x');
    await waitFor(() => events('file-added').length > 0, 'file-added');
    await w.remove(dir);
    await w.remove(inner);
    await writeFile(join(inner, 'y.jpg'), 'y');
    await settleExtra();
    expect(seen.map((s) => s.path)).toEqual([photo]);
  });
});

describe('FolderWatcher (polling)', () => {
  it('falls back to polling on ENOSPC and keeps reporting', async () => {
    const w = await start({ pollingIntervalMs: 200 });
    expect(w.watchMode).toBe('events');
    first(w.nativeWatchersForTest()).emit(
      'error',
      Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), {
        code: 'ENOSPC',
      }),
    );
    expect(events('mode')).toHaveLength(1);
    expect(first(events('mode')).path).toBe(
      'polling: file watch limit reached (ENOSPC); using polling (slower) — raise fs.inotify.max_user_watches to fix',
    );
    expect(w.watchMode).toBe('polling');
    await w.ready();
    const photo = join(dir, 'after.jpg');
    await writeFile(photo, Buffer.alloc(5000, 3));
    await waitFor(() => events('file-added').length > 0, 'file-added');
    await settleExtra();
    expect(events('file-added')).toMatchObject([{ path: photo, size: 5000 }]);
    expect(events('error')).toEqual([]);
  });

  it('reports a photo that was mid-write when the watcher switched to polling', async () => {
    const w = await start({ pollingIntervalMs: 200 });
    const photo = join(dir, 'during.jpg');
    await writeFile(photo, Buffer.alloc(4000, 3));
    // Still inside the native watcher's write-finish wait: it has not been reported yet.
    await sleep(150);
    expect(events('file-added')).toEqual([]);
    first(w.nativeWatchersForTest()).emit('error', Object.assign(new Error('EMFILE'), { code: 'EMFILE' }));
    await waitFor(() => events('file-added').length > 0, 'recovered file-added');
    await settleExtra();
    expect(events('file-added')).toMatchObject([{ path: photo, size: 4000 }]);
    expect(events('mode')).toHaveLength(1);
  });

  it('reports additions with forcePolling', async () => {
    const w = await start({ forcePolling: true, pollingIntervalMs: 200 });
    expect(w.watchMode).toBe('polling');
    const photo = join(dir, 'nas.tif');
    await writeFile(photo, Buffer.alloc(3000, 3));
    await waitFor(() => events('file-added').length > 0, 'file-added');
    await settleExtra();
    expect(events('file-added')).toMatchObject([{ path: photo, size: 3000 }]);
    expect(events('mode')).toEqual([]);
  });
});

describe('FolderWatcher.close', () => {
  const watchHandles = () =>
    process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap' || r === 'StatWatcher').length;

  it('emits nothing after close, even for a file mid-write, and releases every watch', async () => {
    const before = watchHandles();
    const w = await start();
    const other = await mkdtemp(join(tmpdir(), 'skiptag-watch-poll-'));
    try {
      const polling = new FolderWatcher({ forcePolling: true, pollingIntervalMs: 200 });
      polling.on('file-added', (path) => seen.push({ event: 'file-added', path, size: 0, at: Date.now() }));
      polling.add(other);
      await polling.ready();
      expect(watchHandles()).toBeGreaterThan(before);

      await writeFile(join(dir, 'mid.jpg'), 'x');
      await sleep(100);
      await Promise.all([w.close(), polling.close()]);
      await writeFile(join(dir, 'late.jpg'), 'x');
      await writeFile(join(other, 'late.jpg'), 'x');
      await settleExtra();
      expect(seen).toEqual([]);
      expect(watchHandles()).toBe(before);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
