// The writer lease (engine process): the one row saying which process may scan and classify into the library now.

import type { SqlDb } from './sql-db.js';

/** Who writes: the CLI's `tag`, a batch of the CLI's `watch`, or a job of the desktop app. */
export type WriterKind = 'tag' | 'watch' | 'app' | 'merge';

export interface LeaseHolder {
  /** Random per lease: tells two holders with the same pid (a reused pid, one process's two runs) apart. */
  token: string;
  pid: number;
  host: string;
  kind: WriterKind;
  acquiredAt: string;
  /** When the holder last said it is alive (ms since the epoch, its own clock). */
  heartbeatMs: number;
}

interface DbLease {
  token: string;
  pid: number;
  host: string;
  kind: WriterKind;
  acquired_at: string;
  heartbeat_ms: number;
}

export type LeaseClaim = { ok: true } | { ok: false; holder: LeaseHolder };

/**
 * SQL only: whether a holder is gone (dead pid, old heartbeat) is the caller's policy (jobs/writer-lease.ts).
 * Each method is one transaction, BEGIN IMMEDIATE like every write, so two claims never both succeed.
 */
export class LeaseRepo {
  constructor(private readonly db: SqlDb) {}

  holder(): LeaseHolder | null {
    const row = this.db.get<DbLease>('SELECT * FROM writer_lease WHERE id = 1');
    return row === undefined ? null : toHolder(row);
  }

  /** Takes the lease when it is free, already ours, or held by someone `replaceable` says is gone. */
  claim(claim: Omit<LeaseHolder, 'acquiredAt'>, replaceable: (holder: LeaseHolder) => boolean): LeaseClaim {
    return this.db.transaction(() => {
      const current = this.holder();
      if (current !== null && current.token !== claim.token && !replaceable(current)) {
        return { ok: false, holder: current };
      }
      this.db.run(
        `INSERT INTO writer_lease (id, token, pid, host, kind, acquired_at, heartbeat_ms)
         VALUES (1, :token, :pid, :host, :kind, :acquired_at, :heartbeat_ms)
         ON CONFLICT (id) DO UPDATE SET token = excluded.token, pid = excluded.pid, host = excluded.host,
           kind = excluded.kind, acquired_at = excluded.acquired_at, heartbeat_ms = excluded.heartbeat_ms`,
        {
          token: claim.token,
          pid: claim.pid,
          host: claim.host,
          kind: claim.kind,
          acquired_at: new Date(claim.heartbeatMs).toISOString(),
          heartbeat_ms: claim.heartbeatMs,
        },
      );
      return { ok: true };
    });
  }

  /** Refreshes the heartbeat; false when the lease is no longer ours (someone judged us gone and took it). */
  heartbeat(token: string, nowMs: number): boolean {
    return (
      this.db.run('UPDATE writer_lease SET heartbeat_ms = :now WHERE id = 1 AND token = :token', {
        token,
        now: nowMs,
      }) > 0
    );
  }

  release(token: string): void {
    this.db.run('DELETE FROM writer_lease WHERE id = 1 AND token = :token', { token });
  }

  /** Whether `token` holds the lease now; inside a caller's transaction, true until that commits. */
  holds(token: string): boolean {
    return (
      this.db.get<{ one: number }>('SELECT 1 AS one FROM writer_lease WHERE id = 1 AND token = :token', {
        token,
      })?.one === 1
    );
  }
}

function toHolder(row: DbLease): LeaseHolder {
  return {
    token: row.token,
    pid: row.pid,
    host: row.host,
    kind: row.kind,
    acquiredAt: row.acquired_at,
    heartbeatMs: row.heartbeat_ms,
  };
}
