// Why a model download failed (engine): the kinds of DownloadError and their messages, for people and for the app's code `download_failed`.

import { AppError } from '../../shared/errors.js';

export type DownloadErrorKind =
  /** The server answered with an HTTP error status (404, 500, …). */
  | 'http'
  /** Connection refused, DNS failure, reset or closed mid-body. */
  | 'network'
  /** No bytes arrived for the stall timeout. */
  | 'stalled'
  /** Bytes kept arriving, but slower than the minimum rate (a trickle that would never finish). */
  | 'slow'
  /** The server ended a partial answer (a range shorter than asked for) short of the expected size. */
  | 'incomplete'
  /** Not the catalogue's file: a complete answer of another size, or more bytes than the catalogue says. */
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
export function describeNetworkError(error: unknown): string {
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

/** A complete answer of another size than the catalogue's: another file, deleted, never resumed. */
export function wrongSize(url: string, what: string, expectedBytes: number): DownloadError {
  return new DownloadError(
    'size',
    `not the catalogue's file: ${what}, expected ${expectedBytes} bytes (${url}); the download was deleted`,
    false,
  );
}

export function cancelled(url: string): DownloadError {
  return new DownloadError(
    'cancelled',
    `download of ${url} cancelled; the partial file is kept, so the next install resumes`,
    true,
  );
}
