// Resumable, verified download (engine): streams a URL into a .part file, resumes it with Range, gives up on a trickle, checks size and SHA-256.

import { mkdir, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { RateMeter } from '../pipeline/rate-meter.js';
import { cancelled, describeNetworkError, DownloadError, wrongSize } from './download-error.js';
import { identifyModel } from './locate-model.js';

export { DownloadError, type DownloadErrorKind } from './download-error.js';

export interface DownloadProgress {
  /** Bytes in the .part file so far, the resumed prefix included. */
  bytes: number;
  total: number;
  /** Bytes per second over the last few seconds. */
  rate: number;
  etaSeconds: number | null;
  /** Bytes already there when this attempt started (0: a fresh download). */
  resumedFrom: number;
}

export interface DownloadOptions {
  url: string;
  partPath: string;
  expectedBytes: number;
  expectedSha256: string;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Abort when no bytes arrive for this long (headers included). */
  stallTimeoutMs?: number;
  /** Abort when fewer bytes than this rate arrive over a whole window (a trickle); see DEFAULT_MIN_RATE. */
  minRate?: MinRate;
  fetchImpl?: typeof fetch;
}

export interface MinRate {
  bytesPerSecond: number;
  windowMs: number;
}

export interface DownloadResult {
  bytes: number;
  sha256: string;
  resumedFrom: number;
}

export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
/**
 * 1 KiB/s over a minute: far below any connection that can fetch a 100 MB model in reasonable time
 * (it would take 28 hours), far above a server that trickles a byte now and then to keep the
 * connection open (which the stall timeout alone never ends).
 */
export const DEFAULT_MIN_RATE: MinRate = { bytesPerSecond: 1024, windowMs: 60_000 };
const PROGRESS_EVERY_MS = 100;

/**
 * Leaves a complete, verified file at `partPath` or throws a DownloadError. A stalled, too slow or broken
 * transfer keeps the .part so the next call resumes it; a wrong size or checksum deletes it (those bytes
 * can't be trusted). A complete answer of another size than the catalogue's (an error page served with
 * 200, a different file) is the wrong size, not an interruption: nothing of it is kept to resume from.
 */
export async function downloadVerified(options: DownloadOptions): Promise<DownloadResult> {
  const { partPath, expectedBytes, url } = options;
  await mkdir(path.dirname(partPath), { recursive: true });
  let existing = await fileSize(partPath);
  if (existing > expectedBytes) {
    await rm(partPath, { force: true });
    existing = 0;
  }
  if (existing === expectedBytes) {
    // Finished earlier but not installed (e.g. killed during the self-test): verify instead of re-fetching.
    const sha256 = (await identifyModel(partPath)).sha256;
    if (sha256 === options.expectedSha256) return { bytes: existing, sha256, resumedFrom: existing };
    await rm(partPath, { force: true });
    existing = 0;
  }
  let resumedFrom = await fetchInto(options, existing);
  if (resumedFrom < 0) {
    // 416 or a server that resumed at the wrong offset: our prefix is useless, so start over once.
    await rm(partPath, { force: true });
    resumedFrom = await fetchInto(options, 0);
  }
  const size = await fileSize(partPath);
  if (size < expectedBytes) {
    throw new DownloadError(
      'incomplete',
      `download of ${url} ended early: the server sent only part of the file (${size} of ${expectedBytes} bytes); the partial file is kept, so the next install resumes`,
      true,
    );
  }
  const sha256 = (await identifyModel(partPath)).sha256;
  if (sha256 !== options.expectedSha256) {
    await rm(partPath, { force: true });
    throw new DownloadError(
      'checksum',
      `checksum mismatch for ${url}: expected sha256 ${options.expectedSha256}, got ${sha256}; the download was deleted`,
      false,
    );
  }
  return { bytes: size, sha256, resumedFrom };
}

/**
 * One HTTP request, appended to the .part from offset `from`. Returns the offset it really resumed from
 * (0 when the server sent the whole file), or -1 when the range was refused and the caller should start over.
 */
async function fetchInto(options: DownloadOptions, from: number): Promise<number> {
  const { url, partPath, expectedBytes, signal } = options;
  const stallMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const minRate = options.minRate ?? DEFAULT_MIN_RATE;
  if (signal?.aborted) throw cancelled(url);
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const armStall = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), stallMs);
  };
  let written = from;
  // Every window must bring at least the minimum: a trickle re-arms the stall timer forever.
  const slow = new AbortController();
  let windowBytes = 0;
  let slowBytes = 0;
  const rateTimer = setInterval(() => {
    if (windowBytes < (minRate.bytesPerSecond * minRate.windowMs) / 1000) {
      slowBytes = windowBytes;
      slow.abort();
    }
    windowBytes = 0;
  }, minRate.windowMs);
  const combined = AbortSignal.any([...(signal ? [signal] : []), stall.signal, slow.signal]);
  const fail = (error: unknown): DownloadError => {
    if (error instanceof DownloadError) return error;
    if (signal?.aborted) return cancelled(url);
    if (slow.signal.aborted) {
      return new DownloadError(
        'slow',
        `download too slow: ${url} sent ${slowBytes} bytes in the last ${formatSeconds(minRate.windowMs)} (at least ${minRate.bytesPerSecond} bytes/s are needed), after ${written} of ${expectedBytes} bytes${written > 0 ? '; the partial file is kept, so the next install resumes' : ''}`,
        written > 0,
      );
    }
    if (stall.signal.aborted) {
      return new DownloadError(
        'stalled',
        `download stalled for ${formatSeconds(stallMs)}: no data from ${url} after ${written} of ${expectedBytes} bytes; the partial file is kept, so the next install resumes`,
        written > 0,
      );
    }
    return new DownloadError(
      'network',
      `network error downloading ${url} after ${written} of ${expectedBytes} bytes: ${describeNetworkError(error)}${written > 0 ? '; the partial file is kept, so the next install resumes' : ''}`,
      written > 0,
      { cause: error },
    );
  };

  armStall();
  try {
    let response: Response;
    try {
      response = await (options.fetchImpl ?? fetch)(url, {
        redirect: 'follow',
        signal: combined,
        // identity: byte ranges and sizes must refer to the file itself, not a compressed form of it.
        headers: { 'accept-encoding': 'identity', ...(from > 0 ? { range: `bytes=${from}-` } : {}) },
      });
    } catch (error) {
      throw fail(error);
    }
    if (from > 0 && response.status === 416) {
      await response.body?.cancel().catch(() => undefined);
      return -1;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      const text = response.statusText ? ` ${response.statusText}` : '';
      throw new DownloadError('http', `cannot download ${url}: HTTP ${response.status}${text}`, from > 0);
    }
    const resumed = response.status === 206;
    const range = resumed ? contentRange(response.headers.get('content-range')) : null;
    if (resumed && range?.start !== from) {
      await response.body?.cancel().catch(() => undefined);
      return -1;
    }
    // The size the server says its file has: a 200's length, a 206's total. Another size than the
    // catalogue's is another file, whatever else it is: refuse it before taking a byte of it.
    const announced = resumed
      ? (range?.total ?? null)
      : contentLength(response.headers.get('content-length'));
    if (announced !== null && announced !== expectedBytes) {
      await response.body?.cancel().catch(() => undefined);
      await rm(partPath, { force: true });
      throw wrongSize(url, `the server's file is ${announced} bytes`, expectedBytes);
    }
    // A 200 answer to a Range request is the whole file: start over rather than append it.
    const start = resumed ? from : 0;
    written = start;
    const handle = await open(partPath, resumed ? 'a' : 'w');
    try {
      const meter = new RateMeter(5000);
      let lastReport = 0;
      const report = (force: boolean) => {
        const now = performance.now();
        if (!options.onProgress || (!force && now - lastReport < PROGRESS_EVERY_MS)) return;
        lastReport = now;
        const { rate, etaSeconds } = meter.snapshot(written, expectedBytes);
        options.onProgress({ bytes: written, total: expectedBytes, rate, etaSeconds, resumedFrom: start });
      };
      report(true);
      const reader = response.body?.getReader();
      for (;;) {
        let chunk: Awaited<ReturnType<NonNullable<typeof reader>['read']>> | undefined;
        try {
          chunk = await reader?.read();
        } catch (error) {
          throw fail(error);
        }
        if (!chunk || chunk.done) break;
        armStall();
        if (written + chunk.value.length > expectedBytes) {
          await reader?.cancel().catch(() => undefined);
          await handle.close();
          await rm(partPath, { force: true });
          throw new DownloadError(
            'size',
            `size mismatch for ${url}: the server sent more than the expected ${expectedBytes} bytes; the download was deleted`,
            false,
          );
        }
        await handle.write(chunk.value);
        written += chunk.value.length;
        windowBytes += chunk.value.length;
        report(false);
      }
      report(true);
      // Durable before anyone renames it into place: a power cut must not leave a verified-looking hole.
      await handle.sync();
    } finally {
      await handle.close().catch(() => undefined);
    }
    // The body ended cleanly (an interrupted one throws above): the server says this is all. Short of the
    // catalogue's size, that is another file, unless the server chose to send a shorter range than asked.
    const shorterRange = range !== null && range.end + 1 < expectedBytes && written === range.end + 1;
    if (written < expectedBytes && !shorterRange) {
      await rm(partPath, { force: true });
      throw wrongSize(url, `the server sent a complete file of ${written} bytes`, expectedBytes);
    }
    return start;
  } finally {
    clearTimeout(timer);
    clearInterval(rateTimer);
  }
}

/** `bytes 100-199/200` → start 100, end 199, total 200 (null when `*`); null when absent or malformed. */
function contentRange(header: string | null): { start: number; end: number; total: number | null } | null {
  const match = header ? /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(header.trim()) : null;
  if (match?.[1] === undefined || match[2] === undefined || match[3] === undefined) return null;
  return {
    start: Number(match[1]),
    end: Number(match[2]),
    total: match[3] === '*' ? null : Number(match[3]),
  };
}

/** A Content-Length header as a number; null when absent or not a plain number. */
function contentLength(header: string | null): number | null {
  return header !== null && /^\d+$/.test(header.trim()) ? Number(header.trim()) : null;
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

async function fileSize(file: string): Promise<number> {
  return stat(file).then(
    (info) => info.size,
    () => 0,
  );
}
