// Tagging as a queued job (engine): tagIntoLibrary driven by a JobQueue, so the app can pause, resume and cancel it.

import type { JobQueue, JobSnapshot } from './job-queue.js';
import { tagIntoLibrary, type LibraryTagOptions, type LibraryTagSummary } from './tag-into-library.js';

export type TagJobOptions = Omit<LibraryTagOptions, 'signal' | 'checkpoint' | 'onProgress'>;

/** Queues a tagging run; `onDone` receives its summary when it ends (also when cancelled). */
export function enqueueTagJob(
  queue: JobQueue,
  options: TagJobOptions,
  onDone?: (summary: LibraryTagSummary) => void,
): JobSnapshot {
  return queue.enqueue('tag', async (control) => {
    const summary = await tagIntoLibrary({
      ...options,
      signal: control.signal,
      checkpoint: control.checkpoint,
      onProgress: (p) =>
        control.report({ done: p.seen, total: p.total, failed: p.failed, current: p.current }),
    });
    onDone?.(summary);
  });
}
