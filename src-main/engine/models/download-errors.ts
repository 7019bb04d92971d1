// Download failures (engine): one error class whose kind tells callers (CLI, app) what happened and what to do.

import { AppError } from '../../shared/errors.js';

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
