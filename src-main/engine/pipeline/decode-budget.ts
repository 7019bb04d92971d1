// A memory budget shared by concurrent decodes (engine, worker process): peak decode memory stays bounded whatever the number of cores.

/**
 * 512 MiB of decoded pixels at once. Ordinary photos cost a few MB each (a baseline JPEG is shrunk on load,
 * a 24 MP progressive one about 72 MB), so they still decode one per core; a 12000² interlaced PNG
 * (432 MB, decoded whole) goes one at a time instead of one per thread of the pool.
 */
export const DEFAULT_DECODE_BUDGET_BYTES = 512 * 1024 * 1024;

import type { DecodeGate, Release } from '../imaging/preprocess.js';

export type BudgetEvent = {
  kind: 'budget-acquire' | 'budget-release';
  /** The file (display form) the bytes are for. */
  file: string;
  bytes: number;
  /** Bytes held by all decodes right after this event. */
  inUse: number;
};

interface Waiter {
  bytes: number;
  file: string;
  grant: (release: Release) => void;
}

/**
 * A byte budget for concurrent decodes. A request is granted when it fits beside what is held, or when
 * nothing is held at all (an image larger than the whole budget still decodes, alone: the pixel limit
 * bounds it). Requests are served in order, so a large image is not starved by a stream of small ones.
 */
export class DecodeBudget {
  private inUse = 0;
  private holders = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly limitBytes: number,
    private readonly trace?: (event: BudgetEvent) => void,
  ) {
    if (!(limitBytes > 0)) throw new RangeError(`decode budget must be positive, got ${limitBytes}`);
  }

  /** Waits until `bytes` fit (or nothing else is held), then holds them until the release is called. */
  acquire(bytes: number, file: string): Promise<Release> {
    return new Promise((grant) => {
      this.waiters.push({ bytes: Math.max(0, bytes), file, grant });
      this.grantWaiting();
    });
  }

  /** The gate a decoder of `file` is handed. */
  gateFor(file: string): DecodeGate {
    return (bytes) => this.acquire(bytes, file);
  }

  get bytesInUse(): number {
    return this.inUse;
  }

  private grantWaiting(): void {
    for (let next = this.waiters[0]; next !== undefined; next = this.waiters[0]) {
      if (this.holders > 0 && this.inUse + next.bytes > this.limitBytes) return;
      this.waiters.shift();
      this.inUse += next.bytes;
      this.holders += 1;
      this.trace?.({ kind: 'budget-acquire', file: next.file, bytes: next.bytes, inUse: this.inUse });
      next.grant(this.releaser(next));
    }
  }

  private releaser({ bytes, file }: Waiter): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse -= bytes;
      this.holders -= 1;
      this.trace?.({ kind: 'budget-release', file, bytes, inUse: this.inUse });
      this.grantWaiting();
    };
  }
}
