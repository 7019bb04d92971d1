// Resumable, verified download (engine): streams a URL into a .part file, resumes it with Range, checks size and SHA-256; its errors.

import { mkdir, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors.js';
import { RateMeter } from '../pipeline/rate-meter.js';
import { identifyModel } from './locate-model.js';

export type DownloadErrorKind =
  /** The server answered with an HTTP error status (404, 500, …). */
  | 'http'
  /** Connection refused, DNS failure, reset or closed mid-body. */
  | 'network'
  /** No bytes arrived for the stall timeout. */
  | 'stalled'
  /** The body ended cleanly but short of the expected size. */
  | 'incomplete'
  /** More bytes than the catalogue says, or a complete file of the wrong size. */
  | 'size'
  /** The complete file's SHA-256 differs from the catalogue's. */
  | 'checksum'
  /** The caller's signal aborted the download. */
  | 'cancelled'
  /** Another process is installing the same model. */
  | 'busy';

/** Every kind reaches callers across a process (the app's install job) as `download_failed`. */
export class DownloadError extends AppError {
  constructor(
    readonly kind: DownloadErrorKind,
    message: string,
    /** Whether a partial download was kept so that the next attempt resumes. */
    readonly partialKept: boolean,
    options?: { cause?: unknown },
  ) {
    super('download_failed', message, options);
    this.name = 'DownloadError';
  }
}

/** fetch() wraps socket errors as TypeError("fetch failed"/"terminated") with the real reason in `cause`. */
function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    const text = code && !current.message.includes(code) ? `${current.message} (${code})` : current.message;
    if (text && !parts.includes(text)) parts.push(text);
    current = current.cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}

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
  fetchImpl?: typeof fetch;
}

export interface DownloadResult {
  bytes: number;
  sha256: string;
  resumedFrom: number;
}

export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
const PROGRESS_EVERY_MS = 100;

/**
 * Leaves a complete, verified file at `partPath` or throws a DownloadError. A stalled or broken transfer keeps
 * the .part so the next call resumes it; a wrong size or checksum deletes it (those bytes can't be trusted).
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
      `download of ${url} ended early: got ${size} of ${expectedBytes} bytes; the partial file is kept, so the next install resumes`,
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
  if (signal?.aborted) throw cancelled(url);
  const stall = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const armStall = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stall.abort(), stallMs);
  };
  const combined = signal ? AbortSignal.any([signal, stall.signal]) : stall.signal;
  let written = from;
  const fail = (error: unknown): DownloadError => {
    if (error instanceof DownloadError) return error;
    if (signal?.aborted) return cancelled(url);
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
    if (resumed && contentRangeStart(response.headers.get('content-range')) !== from) {
      await response.body?.cancel().catch(() => undefined);
      return -1;
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
        report(false);
      }
      report(true);
      // Durable before anyone renames it into place: a power cut must not leave a verified-looking hole.
      await handle.sync();
    } finally {
      await handle.close().catch(() => undefined);
    }
    return start;
  } finally {
    clearTimeout(timer);
  }
}

function cancelled(url: string): DownloadError {
  return new DownloadError(
    'cancelled',
    `download of ${url} cancelled; the partial file is kept, so the next install resumes`,
    true,
  );
}

/** `bytes 100-199/200` → 100; null when absent or malformed. */
function contentRangeStart(header: string | null): number | null {
  const match = header ? /^bytes\s+(\d+)-\d+\/(?:\d+|\*)$/i.exec(header.trim()) : null;
  return match?.[1] !== undefined ? Number(match[1]) : null;
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
