// Errors the app service answers with (engine): a stable code for the caller plus a message for people.

import { ZodError } from 'zod';

/**
 * bad-request: the input is wrong (unknown channel, a field that fails the contract, a path that is not a
 * folder) · not-found: the folder, image or job does not exist · unsupported: this process cannot do it
 * (dialogs belong to the app shell) · failed: it went wrong while doing it.
 */
export const SERVICE_ERROR_CODES = ['bad-request', 'not-found', 'unsupported', 'failed'] as const;
export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];

export interface ServiceErrorInfo {
  code: ServiceErrorCode;
  message: string;
}

export class AppServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppServiceError';
  }
}

/** "filter.tag: no control characters; (input): Unrecognized key: "x"": the first few issues, by field. */
export function describeZodError(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(input)'}: ${issue.message}`)
    .join('; ');
}

/** What a caller across a process boundary gets: never a stack, always a code. */
export function toErrorInfo(error: unknown): ServiceErrorInfo {
  if (error instanceof AppServiceError) return { code: error.code, message: error.message };
  if (error instanceof ZodError) return { code: 'bad-request', message: describeZodError(error) };
  return { code: 'failed', message: error instanceof Error ? error.message : String(error) };
}
