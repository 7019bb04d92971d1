// Per-file and summary lines printed by the CLI.

import type { FileResult } from '../shared/results.js';
import type { CliIo } from './cli-io.js';

/** `path<TAB>label score, …` or `path<TAB>error code: message`. */
export function describeResult(r: FileResult): string {
  if (r.status === 'error') return `${r.path}\terror ${r.errorCode}: ${r.errorMessage}`;
  const labels = r.predictions.map((p) => `${p.label} ${p.score.toFixed(3)}`).join(', ');
  return `${r.path}\t${labels}`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Lists up to the first failures collected, and says how many more there were. */
export function printFailures(failures: FileResult[], failedTotal: number, io: CliIo): void {
  if (failures.length === 0) return;
  io.err('failed files:');
  for (const f of failures) io.err(`  ${f.path}: ${f.errorCode}: ${f.errorMessage}`);
  if (failedTotal > failures.length) {
    io.err(`  … and ${failedTotal - failures.length} more (see the error columns of the export)`);
  }
}

export function describeFailedCodes(byCode: Partial<Record<string, number>>): string {
  return Object.entries(byCode)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
}
