// Forks the service host as a utilityProcess (Electron main), with a broker for the engine children it asks for.

import path from 'node:path';
import type { ForkOptions, UtilityProcess } from 'electron';
import { isEngineChildMessage } from '../shared/service-protocol.js';
import { decodingThreadpoolSize } from '../engine/threadpool.js';
import { ENGINE_CHILD_SERVICE_NAME, EngineChildren, type EngineChildrenOptions } from './worker-broker.js';
import type { HostChild } from './service-process.js';
import { electronMessageChannel } from './message-channel.js';

export const ENGINE_SERVICE_NAME = 'Skiptag engine';

export interface ForkerOptions {
  /** The engine children's entry; default: worker.js beside the service host. */
  engineChildEntry?: string;
  /** new MessageChannelMain(); default: loaded from electron when first needed (message-channel.ts). */
  channel?: EngineChildrenOptions['channel'];
}

type UtilityProcessApi = { fork(modulePath: string, args?: string[], options?: ForkOptions): UtilityProcess };

/**
 * Adapts `utilityProcess.fork` (passed in so this module never loads electron by itself). Each service host
 * gets its own EngineChildren: the engine children it asks for are forked here (it cannot fork them itself in
 * a packaged app) and killed when it exits; those messages never reach EngineHost.
 */
export function utilityProcessForker(
  utilityProcess: UtilityProcessApi,
  entry: string,
  args: readonly string[] = [],
  options: ForkerOptions = {},
): () => HostChild {
  const engineChildEntry = options.engineChildEntry ?? path.join(path.dirname(entry), 'worker.js');
  return () => {
    const child = utilityProcess.fork(entry, [...args], {
      serviceName: ENGINE_SERVICE_NAME,
      stdio: 'inherit',
    });
    const engineChildren = new EngineChildren(child, {
      fork: () =>
        utilityProcess.fork(engineChildEntry, [], {
          serviceName: ENGINE_CHILD_SERVICE_NAME,
          stdio: 'inherit',
          // One decode per core in the child, where the decoding happens (libuv's default pool is 4 threads).
          env: { UV_THREADPOOL_SIZE: decodingThreadpoolSize(), ...process.env },
        }),
      channel: options.channel ?? electronMessageChannel,
    });
    child.on('message', (message: unknown) => engineChildren.handle(message));
    child.on('exit', () => engineChildren.hostExited());
    return {
      postMessage: (message) => child.postMessage(message),
      onMessage: (listener) =>
        child.on('message', (message: unknown) => {
          if (!isEngineChildMessage(message)) listener(message);
        }),
      onExit: (listener) => child.on('exit', listener),
      kill: () => child.kill(),
    };
  };
}
