// Display formatting helpers (renderer): scores, rates, durations, sizes and error messages.

/** A 0–1 score as a whole percentage ("97%"); scores under 1% show as "<1%" so they never read as zero. */
export function formatScore(score: number | null): string {
  if (score === null) return '';
  const pct = Math.round(score * 100);
  return pct === 0 && score > 0 ? '<1%' : `${pct}%`;
}

export function formatRate(perSecond: number, unit = 'photos'): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '—';
  return perSecond >= 10 ? `${Math.round(perSecond)} ${unit}/s` : `${perSecond.toFixed(1)} ${unit}/s`;
}

/** Seconds as m:ss or h:mm:ss; null (unknown) as an em dash. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** Decimal units, as file managers and download sizes show them: 102,442,452 bytes is "102 MB". */
export function formatBytes(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 || value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}

/** ImageNet top-1 accuracy as "75.8%"; catalogues give it in percent, a 0–1 fraction is scaled. */
export function formatAccuracy(top1: number | null): string {
  if (top1 === null || !Number.isFinite(top1)) return '—';
  const pct = top1 <= 1 ? top1 * 100 : top1;
  return `${Number(pct.toFixed(1))}%`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * A readable message from anything thrown. Failed requests arrive as SkiptagError with the service's own
 * message (lib/api.ts), so there is nothing to strip.
 */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
