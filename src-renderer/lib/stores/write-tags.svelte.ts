// Write-tags store (renderer): writes the selection's tags into XMP sidecars or the photos, as a job.
import { chunks, skiptag } from '../api';
import { attempt } from './notices.svelte';
import { jobs } from './jobs.svelte';
import { selection } from './selection.svelte';

/** The contract's largest id list: one job (one progress bar) for any selection that fits. */
const WRITE_CHUNK = 100_000;

class WriteTagsStore {
  dialogOpen = $state(false);
  /** Check what would change, write nothing. */
  dryRun = $state(false);
  /** The request is on its way (the job itself reports through the jobs store). */
  starting = $state(false);
  /** Jobs started as dry runs: the progress bar words them differently. */
  dryRunJobs = $state.raw<ReadonlySet<number>>(new Set());

  open(): void {
    if (selection.count > 0) this.dialogOpen = true;
  }

  close(): void {
    this.dialogOpen = false;
  }

  /** Starts the job(s) for the selection as it is now; resolves to whether one started. */
  async run(): Promise<boolean> {
    const ids = [...selection.ids];
    if (ids.length === 0 || this.starting) return false;
    const dryRun = this.dryRun;
    this.starting = true;
    try {
      let started = false;
      for (const imageIds of chunks(ids, WRITE_CHUNK)) {
        const job = await attempt('Could not write tags to files', () =>
          skiptag().writeTagsToFiles({ imageIds, dryRun }),
        );
        if (!job) break;
        if (dryRun) this.dryRunJobs = new Set([...this.dryRunJobs, job.id]);
        jobs.upsert(job);
        started = true;
      }
      if (started) this.dialogOpen = false;
      return started;
    } finally {
      this.starting = false;
    }
  }

  isDryRun(jobId: number): boolean {
    return this.dryRunJobs.has(jobId);
  }

  reset(): void {
    this.dialogOpen = false;
    this.dryRun = false;
    this.starting = false;
    this.dryRunJobs = new Set();
  }
}

export const writeTags = new WriteTagsStore();
