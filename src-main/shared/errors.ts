// Error schemas (shared): how a failure crosses a process boundary (zod), beside the codes of error-codes.ts that it re-exports.
// No Node or DOM imports: main, the service, the test bridge and (as types, through the contract) the renderer use it.

import { z, ZodError } from 'zod';
import { AppError, ERROR_CODES, type ErrorCode } from './error-codes.js';

export { AppError, ERROR_CODES, type ErrorCode };

/** A failure as it crosses a process boundary: never a stack, always a code. */
export const errorInfoSchema = z.strictObject({ code: z.enum(ERROR_CODES), message: z.string() });
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

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
