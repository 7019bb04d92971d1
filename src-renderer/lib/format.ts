// Display formatting helpers (renderer): scores, rates, durations, sizes and error messages.

/** A 0–1 score as a whole percentage ("97%"); scores under 1% show as "<1%" so they never read as zero. */
export function formatScore(score: number | null): string {
  if (score === null) return '';
  const pct = Math.round(score * 100);
  return pct === 0 && score > 0 ? '<1%' : `${pct}%`;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '—';
  return perSecond >= 10 ? `${Math.round(perSecond)} photos/s` : `${perSecond.toFixed(1)} photos/s`;
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

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/**
 * A readable message from anything thrown. Electron prefixes IPC failures with
 * "Error invoking remote method 'channel': Error: …"; the prefix means nothing to users.
 */
export function errorMessage(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  return raw.replace(/^Error invoking remote method '[^']*': (?:\w*Error: )?/, '');
}
