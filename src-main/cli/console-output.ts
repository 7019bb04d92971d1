// What the CLI prints for people (CLI): progress of tagging and downloads (a bar on a terminal, plain lines otherwise), result lines, summaries.

import type { DownloadProgress } from '../engine/models/download.js';
import type { TagProgress } from '../engine/pipeline/classify-items.js';
import type { DroppedInput } from '../engine/scan/input-set.js';
import type { FileResult } from '../shared/results.js';
import type { CliIo } from './cli-io.js';

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

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatRate(perSecond: number): string {
  return perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

/**
 * A name (or message) as one field of one line: a tab or line break in a file name would otherwise split
 * the `path<TAB>labels` line a script reads, or start a fake line on the terminal. CSV and JSON keep names exact.
 */
export function oneLine(text: string): string {
  return text.replace(/[\t\n\r]/g, (char) => (char === '\t' ? '\\t' : char === '\n' ? '\\n' : '\\r'));
}

/** `path<TAB>label score, …` or `path<TAB>error code: message`. */
export function describeResult(r: FileResult): string {
  if (r.status === 'error')
    return `${oneLine(r.path)}\terror ${r.errorCode}: ${oneLine(r.errorMessage ?? '')}`;
  const labels = r.predictions.map((p) => `${oneLine(p.label)} ${p.score.toFixed(3)}`).join(', ');
  return `${oneLine(r.path)}\t${labels}`;
}

/** A note for an input that is not walked on its own (named twice, or inside another input). */
export function describeDropped(d: DroppedInput, done: string): string {
  const [input, kept] = [oneLine(d.input), oneLine(d.keptAs)];
  if (d.reason === 'inside') return `note: ${input} is inside ${kept}: ${done} as part of it`;
  return d.input === d.keptAs
    ? `note: ${input} is named twice: ${done} once`
    : `note: ${input} is the same as ${kept}: ${done} once`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Lists up to the first failures collected, and says how many more there were. */
export function printFailures(failures: FileResult[], failedTotal: number, io: CliIo): void {
  if (failures.length === 0) return;
  io.err('failed files:');
  for (const f of failures) io.err(`  ${oneLine(f.path)}: ${f.errorCode}: ${oneLine(f.errorMessage ?? '')}`);
  if (failedTotal > failures.length) {
    io.err(`  … and ${failedTotal - failures.length} more (see the error columns of the export)`);
  }
}

export function describeFailedCodes(byCode: Partial<Record<string, number>>): string {
  return Object.entries(byCode)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
}

/** Decimal units, as download sizes are usually quoted (the zoo's ResNet-50 is "102 MB"). */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${Math.round(bytes)} B`;
}

/** Whole percent, rounded down so 100% only shows when everything is there. */
export function percent(part: number, whole: number): string {
  return `${whole > 0 ? Math.floor((part / whole) * 100) : 0}%`;
}

/** `45.2 MB / 102.4 MB (44%) at 8.3 MB/s` */
function describeDownloadProgress(p: DownloadProgress): string {
  return `${formatBytes(p.bytes)} / ${formatBytes(p.total)} (${percent(p.bytes, p.total)}) at ${formatBytes(p.rate)}/s`;
}

/**
 * A model download's progress: a redrawn bar on a terminal; on a pipe, a plain line every 5 s (so logs stay
 * readable).
 */
export function createDownloadProgress(
  io: CliIo,
  quiet: boolean,
): { update: (p: DownloadProgress) => void; finish: () => void } {
  const stream = io.errStream;
  let last = 0;
  let drawn = false;
  const text = (p: DownloadProgress) =>
    `${describeDownloadProgress(p)}${p.etaSeconds !== null ? `, ETA ${formatDuration(p.etaSeconds)}` : ''}`;
  return {
    update: (p) => {
      if (quiet) return;
      const now = Date.now();
      if (last === 0 && p.resumedFrom > 0)
        io.err(`resuming an interrupted download at ${formatBytes(p.resumedFrom)}`);
      if (stream.isTTY) {
        if (now - last < 100 && p.bytes !== p.total) return;
        const width = Math.max(20, (stream.columns || 80) - 1);
        const filled = Math.round((p.bytes / p.total) * 30);
        const line = `[${'#'.repeat(filled)}${'-'.repeat(30 - filled)}] ${text(p)}`;
        stream.write(`\r${line.slice(0, width).padEnd(width)}`);
        drawn = true;
      } else if (last !== 0 && now - last >= 5000) {
        io.err(`progress: ${text(p)}`);
      } else if (last !== 0) return;
      // On a pipe the first call only starts the clock: a short download prints no progress lines.
      last = now;
    },
    finish: () => {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
