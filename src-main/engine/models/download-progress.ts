// Download progress wording (engine): sizes and rates for people, shared by the CLI and the app.

import type { DownloadProgress } from './download.js';

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
export function describeDownloadProgress(p: DownloadProgress): string {
  return `${formatBytes(p.bytes)} / ${formatBytes(p.total)} (${percent(p.bytes, p.total)}) at ${formatBytes(p.rate)}/s`;
}
