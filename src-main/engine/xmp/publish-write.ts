// One file's keyword write, the part both writers share (engine process): its job and result, temp files beside the target, atomic publish.

import { randomBytes } from 'node:crypto';
import { constants, renameSync } from 'node:fs';
import { access, type FileHandle, lstat, open, readdir, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { ExifTool, WriteTags } from 'exiftool-vendored';
import { truncateUtf8 } from '../export/atomic-file.js';
import type { ImageRow } from '../library/library-types.js';
import type { Library, RewrittenFile, XmpKeyword, XmpTarget } from '../library/library.js';
import { isProcessAlive } from '../process-alive.js';
import { EXIFTOOL_FIELDS } from './keyword-fields.js';
import { type KeywordSelection, type MergePlan, sameWritten } from './merge-keywords.js';
import type { WriteScope } from './write-scope.js';

export interface WriteResult {
  imageId: number;
  /** The photo (display form of its path). */
  path: string;
  /** What was (or, in a dry run, would be) written: the sidecar or the photo; absent when skipped. */
  file?: string;
  /** In a dry run, 'written' means "would be written". */
  action: 'written' | 'unchanged' | 'skipped';
  /** Why it was skipped ('read-only: skipped', 'missing', 'failed: …'), or 'dry run'. */
  reason?: string;
  /** Keywords and 'Skiptag|…' paths added to or removed from the file. */
  added: string[];
  removed: string[];
}

/** Test seams: a hook runs after the temp file is complete and verified, just before it replaces the target. */
export interface WriteHooks {
  beforeReplace?: (tempPath: string, targetPath: string) => void | Promise<void>;
}

export type PixelHasher = (file: string) => Promise<string>;

/** Everything one file's write needs; built by writeTagsForImages. */
export interface FileJob {
  library: Library;
  exiftool: ExifTool;
  image: ImageRow;
  /** The photo's path as a string (exiftool takes no raw bytes). */
  photo: string;
  selection: KeywordSelection;
  /** What Skiptag wrote to this target before. */
  previous: XmpKeyword[];
  dryRun: boolean;
  hooks: WriteHooks;
  /** Folders already cleaned of stale temps during this run. */
  cleaned: Set<string>;
  pixelHash: PixelHasher;
  /** Where this batch may write: never outside the folders the user gave. */
  scope: WriteScope;
}

/** Before the first write into a folder during a run: remove what killed runs left there. */
export async function cleanFolderOnce(job: FileJob, dir: string): Promise<void> {
  if (job.cleaned.has(dir)) return;
  job.cleaned.add(dir);
  await removeStaleTemps(dir);
}

/** The changed fields as exiftool assignments: a whole new list each, or null to delete an emptied one. */
export function exiftoolTags(plan: MergePlan): WriteTags {
  const tags: Record<string, string[] | null> = {};
  for (const name of plan.changedFields) {
    const values = plan.fields[name];
    tags[EXIFTOOL_FIELDS[name]] = values.length === 0 ? null : values;
  }
  return tags as WriteTags;
}

/**
 * The file needs no change. The record of Skiptag's keywords may still (a keyword Skiptag wrote was
 * removed by hand and is no longer selected): bring it up to date, outside a dry run.
 */
export function unchanged(job: FileJob, target: XmpTarget, plan: MergePlan, file: string): WriteResult {
  if (!job.dryRun && !sameWritten(plan.written, job.previous)) {
    job.library.recordXmpWritten(job.image.id, target, plan.written);
  }
  return { imageId: job.image.id, path: job.photo, file, action: 'unchanged', added: [], removed: [] };
}

export function dryRunResult(job: FileJob, plan: MergePlan, file: string): WriteResult {
  return {
    imageId: job.image.id,
    path: job.photo,
    file,
    action: 'written',
    reason: 'dry run',
    added: plan.added,
    removed: plan.removed,
  };
}

/**
 * Publishes a finished temp file: the rename and the record of what Skiptag wrote commit together (the
 * rename runs inside the library transaction, and a failed rename rolls the record back). A crash before
 * the rename leaves the target untouched and a stray temp for the next run to remove.
 */
export async function publish(
  job: FileJob,
  target: XmpTarget,
  plan: MergePlan,
  temp: string,
  destination: string,
  file?: RewrittenFile,
): Promise<WriteResult> {
  await job.hooks.beforeReplace?.(temp, destination);
  job.library.transaction(() => {
    job.library.recordXmpWritten(job.image.id, target, plan.written, file);
    renameSync(temp, destination);
  });
  await syncFolder(dirname(destination));
  return {
    imageId: job.image.id,
    path: job.photo,
    file: destination,
    action: 'written',
    added: plan.added,
    removed: plan.removed,
  };
}

export function skipped(job: FileJob, reason: string): WriteResult {
  return { imageId: job.image.id, path: job.photo, action: 'skipped', reason, added: [], removed: [] };
}

/**
 * Read-only for Skiptag's purposes: not writable by this user, or with no write bit set at all (root may
 * write anything, but a file someone made read-only was made so on purpose).
 */
export async function isReadOnly(file: string, mode: number): Promise<boolean> {
  if ((mode & 0o222) === 0) return true;
  try {
    await access(file, constants.W_OK);
    return false;
  } catch {
    return true;
  }
}

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
async function removeStaleTemps(dir: string, now = Date.now()): Promise<string[]> {
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
async function syncFolder(dir: string): Promise<void> {
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
