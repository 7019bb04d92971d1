// The service host's logic (engine): validated messages in, service calls, responses and events out, over any transport.

import type { ZodType } from 'zod';
import type { LogLevel } from '../../shared/worker-protocol.js';
import type { AppService } from './app-service.js';
import {
  closeInputSchema,
  exportToPathInputSchema,
  HOST_CHANNELS,
  hostRequestSchema,
  imageInputSchema,
  type HostOutgoing,
  type HostRequest,
  type ImageOutput,
} from '../../shared/service-protocol.js';
import type { HostTransport } from './host-transport.js';
import { AppError, describeZodError, toErrorInfo } from '../../shared/errors.js';

export interface ServiceHost {
  /** null when the service could not start (a 'fatal' message was sent). */
  service: AppService | null;
  /** Resolves after a host:close request was answered and the transport closed. */
  closed: Promise<void>;
}

/**
 * Builds the service with `create` (its log goes to the parent as 'log' messages), announces 'ready' or
 * 'fatal', then serves requests until host:close. Every message is checked against the envelope schema
 * first, and every payload against its channel's schema; a malformed message is answered with a
 * 'bad_request' error (id null when even its id is unusable) and never reaches the service.
 */
export function runServiceHost(
  transport: HostTransport,
  create: (log: (level: LogLevel, message: string) => void) => AppService,
): ServiceHost {
  const post = (message: HostOutgoing) => transport.post(message);
  let service: AppService;
  try {
    service = create((level, message) => post({ kind: 'log', level, message }));
  } catch (error) {
    post({ kind: 'fatal', message: error instanceof Error ? error.message : String(error) });
    transport.close();
    return { service: null, closed: Promise.resolve() };
  }
  service.on('event', (channel, payload) => post({ kind: 'event', channel, payload }));
  let markClosed = (): void => undefined;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  transport.onMessage((data) => {
    const parsed = hostRequestSchema.safeParse(data);
    if (!parsed.success) {
      const message = `malformed message: ${describeZodError(parsed.error)}`;
      post({ kind: 'response', id: readableId(data), ok: false, error: { code: 'bad_request', message } });
      return;
    }
    const request = parsed.data;
    answer(service, request).then(
      (result) => {
        post({ kind: 'response', id: request.id, ok: true, result });
        if (request.channel === HOST_CHANNELS.close) {
          transport.close();
          markClosed();
        }
      },
      (error: unknown) => post({ kind: 'response', id: request.id, ok: false, error: toErrorInfo(error) }),
    );
  });
  post({ kind: 'ready' });
  return { service, closed };
}

async function answer(service: AppService, request: HostRequest): Promise<unknown> {
  switch (request.channel) {
    case HOST_CHANNELS.exportToPath: {
      const { path, ...exportRequest } = parsePayload(exportToPathInputSchema, request);
      return service.exportTo(exportRequest, path);
    }
    case HOST_CHANNELS.image: {
      const { imageId, variant } = parsePayload(imageInputSchema, request);
      const image = variant === 'thumb' ? await service.thumbnail(imageId) : await service.preview(imageId);
      // A copy the exact size of the JPEG: a Buffer may view a larger pool, which cloning would copy whole.
      const output: ImageOutput =
        image === null ? null : { mime: 'image/jpeg', data: new Uint8Array(image.bytes) };
      return output;
    }
    case HOST_CHANNELS.close:
      parsePayload(closeInputSchema, request);
      await service.close();
      return null;
    default:
      return service.handle(request.channel, request.payload);
  }
}

function parsePayload<T>(schema: ZodType<T>, request: HostRequest): T {
  const parsed = schema.safeParse(request.payload);
  if (!parsed.success) {
    throw new AppError(
      'bad_request',
      `invalid ${request.channel} request: ${describeZodError(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** The id of a message that failed validation, when it has a usable one, so its caller is not left waiting. */
function readableId(data: unknown): number | null {
  if (typeof data !== 'object' || data === null || !('id' in data)) return null;
  const id = (data as { id: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
}
