// Electron transport of the engine child (engine child in a utilityProcess): talks to the supervisor over the port main hands it.

import type { ChildMessage } from '../../shared/worker-protocol.js';
import type { MessagePortLike, ParentPortLike } from './electron-ports.js';
import type { EngineTransport } from './transport.js';

/** What main posts to a new engine child, with the supervisor's end of a MessageChannelMain as its one port. */
export const ENGINE_PORT_MESSAGE = { kind: 'engine-child:port' } as const;

/**
 * The transport of an engine child that Electron main forked with utilityProcess.fork: nothing but the
 * supervisor's port travels over it, and main, which only brokers the pair, never sees the engine's messages.
 */
export function parentPortTransport(parentPort: ParentPortLike): EngineTransport {
  let port: MessagePortLike | null = null;
  const messageListeners: ((message: unknown) => void)[] = [];
  const closeListeners: (() => void)[] = [];
  parentPort.on('message', (event) => {
    const data = event.data as { kind?: unknown } | null;
    const offered = event.ports[0];
    // One port for the child's life; anything else from main is not for the engine.
    if (port !== null || offered === undefined || data?.kind !== ENGINE_PORT_MESSAGE.kind) return;
    port = offered;
    port.on('message', (message) => {
      for (const listener of messageListeners) listener(message.data);
    });
    port.on('close', () => {
      for (const listener of closeListeners.splice(0)) listener();
    });
    port.start();
  });
  return {
    send: (message: ChildMessage) => {
      // The service only speaks in answer to the supervisor, whose messages come through the port.
      if (port === null) return Promise.reject(new Error('the supervisor has not connected'));
      port.postMessage(message);
      // There is no delivery callback: give the IO thread a turn to hand the message to the OS, so that a
      // `started` right before a native crash still reaches the supervisor.
      return new Promise<void>((resolve) => setImmediate(resolve));
    },
    onMessage: (callback) => {
      messageListeners.push(callback);
    },
    onClose: (callback) => {
      closeListeners.push(callback);
    },
  };
}
