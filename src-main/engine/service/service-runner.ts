// The service process's message loop (service process): main's requests in, AppService calls, responses and events out, over any transport.

import type { LogLevel } from '../../shared/worker-protocol.js';
import {
  isWorkerBrokerMessage,
  SERVICE_CHANNELS,
  type FromService,
  type ImageOutput,
  type ServiceChannel,
} from '../../shared/service-protocol.js';
import type { RequestChannel } from '../../shared/contract.js';
import type { Transport } from '../../shared/transport.js';
import type { AppService } from './app-service.js';
import { toErrorInfo } from '../../shared/errors.js';

export interface ServiceRun {
  /** null when the service could not start (a 'fatal' message was sent). */
  service: AppService | null;
  /** Resolves after a service:close request was answered and the transport closed. */
  closed: Promise<void>;
}

interface Request {
  kind: 'request';
  id: number;
  channel: ServiceChannel;
  payload: unknown;
}

/**
 * Builds the service with `create` (its log goes to main as 'log' messages), announces 'ready' or 'fatal',
 * then answers main's requests until service:close. Main is trusted and validated the renderer's payloads
 * already (see ipc.ts); worker:* messages on the same link belong to the worker launcher.
 */
export function runService(
  transport: Transport,
  create: (log: (level: LogLevel, message: string) => void) => AppService,
): ServiceRun {
  const post = (message: FromService) => void transport.send(message).catch(() => undefined);
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
    if (isWorkerBrokerMessage(data)) return;
    const request = data as Request;
    answer(service, request).then(
      (result) => {
        post({ kind: 'response', id: request.id, ok: true, result });
        if (request.channel === SERVICE_CHANNELS.close) {
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

async function answer(service: AppService, request: Request): Promise<unknown> {
  switch (request.channel) {
    case SERVICE_CHANNELS.exportToPath: {
      const { path, ...exportRequest } = request.payload as { path: string } & Parameters<
        AppService['exportTo']
      >[0];
      return service.exportTo(exportRequest, path);
    }
    case SERVICE_CHANNELS.image: {
      const { imageId, variant } = request.payload as { imageId: number; variant: 'thumb' | 'preview' };
      const image = await service.image(imageId, variant);
      // A copy the exact size of the JPEG: a Buffer may view a larger pool, which cloning would copy whole.
      const output: ImageOutput = image === null ? null : { mime: 'image/jpeg', data: new Uint8Array(image) };
      return output;
    }
    case SERVICE_CHANNELS.close:
      await service.close();
      return null;
    default:
      return service.handle(request.channel as RequestChannel, request.payload as never);
  }
}
