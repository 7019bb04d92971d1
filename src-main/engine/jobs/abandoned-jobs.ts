// Housekeeping of the jobs table (engine): runs whose process died are closed so they do not look active forever.

import type { Library } from '../library/library.js';
import { isProcessAlive } from '../util/process-alive.js';

/**
 * Jobs left 'running' by a process that was killed can never finish; their work is simply redone by
 * this scan. Jobs of a process that is still alive (watch beside us) are left alone.
 */
export function closeAbandonedJobs(library: Library): void {
  for (const job of library.unfinishedJobs()) {
    const pid = (job.params as { pid?: unknown } | null)?.pid;
    if (typeof pid === 'number' && pid !== process.pid && isProcessAlive(pid)) continue;
    library.finishJob(job.id, 'failed');
  }
}
