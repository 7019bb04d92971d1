// Throughput and ETA over a sliding window (engine): what progress bars and job events report.

export interface RateSnapshot {
  /** Items per second over the recent window (0 until measurable). */
  rate: number;
  /** Seconds left, or null when the total or the rate is unknown. */
  etaSeconds: number | null;
}

export class RateMeter {
  private readonly samples: { at: number; done: number }[] = [];

  constructor(
    private readonly windowMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  snapshot(done: number, total: number | null): RateSnapshot {
    const at = this.now();
    this.samples.push({ at, done });
    // Keep one sample older than the window so the rate spans the whole window.
    while (this.samples.length > 2 && (this.samples[1]?.at ?? at) <= at - this.windowMs) this.samples.shift();
    const first = this.samples[0];
    const seconds = first ? (at - first.at) / 1000 : 0;
    const rate = first && seconds > 0.2 ? (done - first.done) / seconds : 0;
    const etaSeconds = total !== null && rate > 0 ? Math.max(0, (total - done) / rate) : null;
    return { rate, etaSeconds };
  }
}
