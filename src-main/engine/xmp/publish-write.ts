// Steps shared by sidecar and embedded writes (engine process): stale temps, exiftool tags, atomic publish.

import { renameSync } from 'node:fs';
import { dirname } from 'node:path';
import type { WriteTags } from 'exiftool-vendored';
import type { RewrittenFile, XmpTarget } from '../library/library.js';
import { EXIFTOOL_FIELDS } from './keyword-fields.js';
import { sameWritten, type MergePlan } from './merge-keywords.js';
import { removeStaleTemps, syncFolder } from './temp-files.js';
import type { FileJob, WriteResult } from './write-types.js';

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
