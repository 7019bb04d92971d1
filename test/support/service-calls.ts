// Calling the AppService as main does (test): the payload is validated against the contract first, then handed over.
import { ZodError } from 'zod';
import {
  exportRequestSchema,
  isRequestChannel,
  parseRequest,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
} from '../../src-main/shared/contract.js';
import type { AppService } from '../../src-main/engine/service/app-service.js';
import { AppError, describeZodError } from '../../src-main/shared/errors.js';

/**
 * The trust boundary in a test: main's IPC wrapper (or the test bridge) validates every request from the
 * renderer before the service sees it; a payload that fails is refused with 'bad_request'.
 */
export function call<C extends RequestChannel>(
  service: AppService,
  channel: C,
  input: RequestInput<C> | Record<string, unknown>,
): Promise<RequestOutput<C>>;
export function call(service: AppService, channel: string, input: unknown): Promise<unknown>;
export async function call(service: AppService, channel: string, input: unknown): Promise<unknown> {
  if (!isRequestChannel(channel)) {
    throw new AppError('bad_request', `unknown request channel ${JSON.stringify(channel.slice(0, 100))}`);
  }
  let parsed;
  try {
    parsed = parseRequest(channel, input);
  } catch (error) {
    if (error instanceof ZodError) {
      throw new AppError('bad_request', `invalid ${channel} request: ${describeZodError(error)}`);
    }
    throw error;
  }
  return service.handle(channel, parsed as never);
}

/** export:run with a path, as main does after its save dialog: the request validated first. */
export async function exportTo(service: AppService, request: unknown, file: string) {
  const parsed = exportRequestSchema.safeParse(request);
  if (!parsed.success) {
    throw new AppError('bad_request', `invalid export:run request: ${describeZodError(parsed.error)}`);
  }
  return service.exportTo(parsed.data, file);
}
