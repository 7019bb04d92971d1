// Jobs (engine process): long-running work (scans, re-tagging) recorded so progress survives a restart.

import type { JobRow, JobState } from './library-types.js';
import { toJob, type DbJob } from './row-mappers.js';
import type { SqlDb } from './sql-db.js';

export interface JobProgress {
  done: number;
  failed: number;
  total: number;
}

export class JobsRepo {
  constructor(
    private readonly db: SqlDb,
    private readonly now: () => string,
  ) {}

  /** A queued job; params are stored as JSON. Returns its id. */
  createJob(kind: string, params: unknown): number {
    const now = this.now();
    const row = this.db.returning<{ id: number }>(
      `INSERT INTO jobs (kind, state, params, created_at, updated_at)
       VALUES (:kind, 'queued', :params, :now, :now) RETURNING id`,
      { kind, params: JSON.stringify(params ?? null), now },
    );
    return row.id;
  }

  getJob(id: number): JobRow | undefined {
    const row = this.db.get<DbJob>('SELECT * FROM jobs WHERE id = :id', { id });
    return row && toJob(row);
  }

  /** Progress also marks a queued job as running. */
  updateJobProgress(id: number, progress: JobProgress): void {
    this.db.run(
      `UPDATE jobs SET done = :done, failed = :failed, total = :total, updated_at = :now,
         state = CASE WHEN state = 'queued' THEN 'running' ELSE state END
       WHERE id = :id`,
      { id, done: progress.done, failed: progress.failed, total: progress.total, now: this.now() },
    );
  }

  setJobState(id: number, state: JobState): void {
    this.db.run('UPDATE jobs SET state = :state, updated_at = :now WHERE id = :id', {
      id,
      state,
      now: this.now(),
    });
  }

  finishJob(id: number, state: 'done' | 'cancelled' | 'failed'): void {
    this.setJobState(id, state);
  }

  /** Queued, running or paused jobs, oldest first: what a restarted engine should resume or clean up. */
  unfinishedJobs(): JobRow[] {
    return this.db
      .all<DbJob>(`SELECT * FROM jobs WHERE state IN ('queued', 'running', 'paused') ORDER BY id`)
      .map(toJob);
  }
}
