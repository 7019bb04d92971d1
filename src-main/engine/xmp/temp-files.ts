// Temporary files of keyword writes (engine process): names beside the target, publishing, stale-file cleanup.

import { randomBytes } from 'node:crypto';
import { lstat, open, readdir, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { isProcessAlive } from '../process-alive.js';
import { truncateUtf8 } from '../export/atomic-file.js';

// The temp name must fit NAME_MAX (255 bytes) even when the target's own name is close to it.
const MAX_BASE_BYTES = 96;

/**
 * `.photo.jpg.skiptag-<pid>-<random>.jpg`: hidden, so folder walks pass over it; it keeps the target's
 * extension because exiftool picks the file format from it; the pid tells a later run whether the
 * writer is still alive.
 */
const TEMP_NAME = /^\..*\.skiptag-(\d+)-[0-9a-f]{12}\.[^.]+$/;

/** A stray temp of a live process is only removed when this old (its pid may have been reused). */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

export function tempPathFor(target: string): string {
  const base = truncateUtf8(basename(target), MAX_BASE_BYTES);
  const extension = extname(target).slice(1) || 'tmp';
  return join(
    dirname(target),
    `.${base}.skiptag-${process.pid}-${randomBytes(6).toString('hex')}.${extension}`,
  );
}

export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/**
 * Removes temps left in `dir` by a write that was killed before its rename (the photo or sidecar itself
 * was never touched). Temps of this process and of other live processes (a `watch` writing at the same
 * time) stay, unless they are a day old. Returns the removed paths; a folder that cannot be listed is
 * left alone.
 */
export async function removeStaleTemps(dir: string, now = Date.now()): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (match === null) continue;
    const file = join(dir, name);
    const pid = Number(match[1]);
    try {
      const info = await lstat(file);
      // ctime, not mtime: an embedded write copies the photo's old mtime onto its temp.
      const old = now - info.ctimeMs > STALE_AFTER_MS;
      if (!info.isFile() || (!old && (pid === process.pid || isProcessAlive(pid)))) continue;
      await rm(file, { force: true });
      removed.push(file);
    } catch {
      // Gone already, or not ours to remove: either way nothing to do.
    }
  }
  return removed;
}

/** Makes a rename in `dir` durable; file systems that cannot sync a folder are fine without. */
export async function syncFolder(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows, some network mounts: the rename is still atomic, just not forced to disk yet.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
