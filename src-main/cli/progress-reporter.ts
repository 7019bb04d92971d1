// Progress display (CLI): a redrawn bar with rate and ETA on a terminal, plain periodic lines otherwise.

import type { TagProgress } from '../engine/pipeline/classify-items.js';
import { formatDuration, formatRate } from './format-time.js';

export interface ProgressSink {
  update(progress: TagProgress): void;
  /** Clears the bar so normal output can follow. */
  finish(): void;
}

export function describeProgress(p: TagProgress): string {
  const of = p.total !== null ? `/${p.total}` : '';
  const eta = p.etaSeconds !== null ? `, ETA ${formatDuration(p.etaSeconds)}` : '';
  const failed = p.failed > 0 ? `, ${p.failed} failed` : '';
  return `${p.done}${of} photos (${formatRate(p.rate)}/s${eta}${failed})`;
}

export function createProgressReporter(stream: NodeJS.WriteStream, quiet: boolean): ProgressSink {
  if (quiet) return { update: () => undefined, finish: () => undefined };
  return stream.isTTY ? new TerminalBar(stream) : new PlainLines(stream);
}

class TerminalBar implements ProgressSink {
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  update(p: TagProgress): void {
    const now = Date.now();
    if (now - this.lastDraw < 100 && p.done !== p.total) return;
    this.lastDraw = now;
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    const text = ` ${describeProgress(p)}`;
    const barWidth = Math.max(10, Math.min(40, width - text.length - 2));
    const fraction = p.total ? Math.min(1, p.done / p.total) : 0;
    const filled = Math.round(fraction * barWidth);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
    this.stream.write(`\r${(bar + text).slice(0, width).padEnd(width)}`);
    this.drawn = true;
  }

  finish(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

class PlainLines implements ProgressSink {
  private lastLine = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly everyMs = 5000,
  ) {}

  update(p: TagProgress): void {
    const now = Date.now();
    if (now - this.lastLine < this.everyMs) return;
    if (this.lastLine === 0) {
      // The first call only starts the clock: short runs print no progress lines at all.
      this.lastLine = now;
      return;
    }
    this.lastLine = now;
    this.stream.write(`progress: ${describeProgress(p)}\n`);
  }

  finish(): void {}
}
