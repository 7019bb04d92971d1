// Batched commits of results into the library (engine): one transaction per ~second, so a kill loses at most that.

import type { Library } from '../library/library.js';

/**
 * Collects database writes and runs them in one transaction when a second has passed or enough have
 * piled up. Committing per file would spend most of the time in fsync; never committing would risk
 * redoing a whole run after a crash. A batch of ≤ 1 s bounds the redo to the work in flight.
 */
export class ResultCommitter {
  private pending: (() => void)[] = [];
  private lastFlush = performance.now();

  constructor(
    private readonly library: Library,
    private readonly maxAgeMs = 1000,
    private readonly maxPending = 256,
  ) {}

  add(write: () => void): void {
    this.pending.push(write);
    if (this.pending.length >= this.maxPending || performance.now() - this.lastFlush >= this.maxAgeMs)
      this.flush();
  }

  flush(): void {
    this.lastFlush = performance.now();
    if (this.pending.length === 0) return;
    const writes = this.pending;
    this.pending = [];
    this.library.transaction(() => {
      for (const write of writes) write();
    });
  }
}
