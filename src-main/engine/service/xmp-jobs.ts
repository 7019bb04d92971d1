// xmp:write (engine): a selection's tags written to sidecars or into the photos, as a job with per-file progress.

import type { JobControl, JobQueue, JobSnapshot } from '../jobs/job-queue.js';
import type { Library } from '../library/library.js';
import { loadHierarchy } from '../tagging/hierarchy.js';
import { writeTagsForImages, type PixelHasher, type WriteResult } from '../xmp/write-tags.js';
import type { ChangeBatcher } from './ui-events.js';
import type { SettingsStore } from './settings-store.js';

export interface XmpJobDeps {
  queue: JobQueue;
  library: Library;
  settings: SettingsStore;
  changes: ChangeBatcher;
  warn: (message: string) => void;
  /** Pixel checks of embedded writes, done by the service's render worker. */
  pixelHash: PixelHasher;
}

/**
 * writeTagsForImages has no pause point of its own, so the ids go in slices with the job's checkpoint
 * between them; each slice costs one ExifTool start, which is small beside writing this many files.
 */
const SLICE = 100;

/**
 * Enqueues the write with the XMP settings as they are when it starts. Progress: done/total files;
 * `failed` counts the photos that were not written (missing, read-only, not in the library, errors),
 * each also logged with its reason.
 */
export function enqueueXmpWrite(deps: XmpJobDeps, imageIds: readonly number[], dryRun: boolean): JobSnapshot {
  const ids = [...new Set(imageIds)];
  return deps.queue.enqueue('xmp-write', async (control) => {
    try {
      await writeAll(deps, control, ids, dryRun);
    } finally {
      // What Skiptag wrote to a photo is part of its detail; a dry run changed nothing.
      if (!dryRun) {
        deps.changes.images(ids);
        deps.changes.flush();
      }
    }
  });
}

async function writeAll(deps: XmpJobDeps, control: JobControl, ids: number[], dryRun: boolean) {
  const { xmpMode, xmpNaming, xmpMinScore } = deps.settings.get();
  const hierarchy = await loadHierarchy();
  let done = 0;
  let failed = 0;
  const onResult = (result: WriteResult) => {
    if (result.action !== 'skipped') return;
    failed += 1;
    deps.warn(`xmp: ${result.path}: ${result.reason ?? 'skipped'}`);
  };
  control.report({ done: 0, total: ids.length, failed: 0, current: null });
  for (let start = 0; start < ids.length; start += SLICE) {
    await control.checkpoint();
    if (control.signal.aborted) return;
    const slice = ids.slice(start, start + SLICE);
    const results = await writeTagsForImages(deps.library, slice, {
      mode: xmpMode,
      naming: xmpNaming,
      minScore: xmpMinScore,
      dryRun,
      hierarchy,
      pixelHash: deps.pixelHash,
      signal: control.signal,
      onResult,
      onProgress: (p) =>
        control.report({ done: done + p.done, total: ids.length, failed, current: p.current }),
    });
    // Results also hold the other halves of RAW+JPEG pairs: progress counts the photos asked for.
    const asked = new Set(slice);
    done += results.filter((r) => asked.has(r.imageId)).length;
  }
  control.report({ done, total: ids.length, failed, current: null });
}
