// Recent per-file errors the library has no row for (engine): broken links and unreadable folders met by a walk.

import type { FileErrorInfo } from '../../shared/contract.js';

export type TimedError = FileErrorInfo & { at: string };

/** A bounded ring: these are only for the errors panel, and a bad share could produce thousands. */
export class UnrecordedErrors {
  private readonly entries: TimedError[] = [];

  constructor(private readonly max = 200) {}

  add(entry: TimedError): void {
    this.entries.push(entry);
    if (this.entries.length > this.max) this.entries.shift();
  }

  /** Newest first. */
  recent(): TimedError[] {
    return [...this.entries].reverse();
  }
}

/** Two newest-first lists merged, newest first, without the timestamps. */
export function newestErrors(
  a: readonly TimedError[],
  b: readonly TimedError[],
  limit: number,
): FileErrorInfo[] {
  return [...a, ...b]
    .sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0))
    .slice(0, limit)
    .map(({ at: _at, ...info }) => info);
}
