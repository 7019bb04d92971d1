// Error codes (shared): the one list of stable codes that every failed request or job carries beside its message.
// No Node or DOM imports: main, the service, the test bridge and (as types, through the contract) the renderer use it.

import { z, ZodError } from 'zod';

/**
 * What callers branch on; the message is for people and may change. Never rename a code.
 * - bad_request: the input is wrong (fails the contract, unknown channel, a path that is not a folder)
 * - forbidden: refused whatever the input (a sender that is not the Skiptag window, folder paths typed by the page)
 * - not_found: the folder, image, job or catalogue model does not exist
 * - unsupported: this process cannot do it (dialogs belong to the app shell) or the service is closing
 * - model_not_found: there is no model to tag with (none installed), or the model asked for is not there
 * - download_failed: a model download failed (network, server, size or checksum, another install running)
 * - library_busy: another process holds the library's write lock (SQLite busy) longer than the busy timeout
 * - engine_unavailable: the service is restarting, has stopped, or did not answer in time
 * - failed: anything else that went wrong while doing it
 */
export const ERROR_CODES = [
  'bad_request',
  'forbidden',
  'not_found',
  'unsupported',
  'model_not_found',
  'download_failed',
  'library_busy',
  'engine_unavailable',
  'failed',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** A failure as it crosses a process boundary: never a stack, always a code. */
export const errorInfoSchema = z.strictObject({ code: z.enum(ERROR_CODES), message: z.string() });
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

/** An error whose code is known where it is raised; every other error reaches callers as 'failed'. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}

/** "filter.tag: no control characters; (input): Unrecognized key: "x"": the first few issues, by field. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map(
      (issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(input)'}: ${issue.message}`,
    )
    .join('; ');
}

/** SQLite's codes for "another connection holds the lock" (libsql's SqliteError.code). */
const SQLITE_BUSY_CODES: ReadonlySet<unknown> = new Set([
  'SQLITE_BUSY',
  'SQLITE_BUSY_RECOVERY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_BUSY_TIMEOUT',
  'SQLITE_LOCKED',
]);

/** The code and message of anything thrown, for an answer across a process boundary or a job's snapshot. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  if (error instanceof ZodError) return { code: 'bad_request', message: describeZodError(error) };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && SQLITE_BUSY_CODES.has((error as { code?: unknown }).code)) {
    return {
      code: 'library_busy',
      message: `the library is busy: another program is writing to it (${message})`,
    };
  }
  return { code: 'failed', message };
}
