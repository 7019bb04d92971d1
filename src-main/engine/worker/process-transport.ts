// Node IPC transport for the engine child process: process.send / process.on('message') of a child_process.fork child.

import type { ChildMessage } from '../../shared/worker-protocol.js';
import type { EngineTransport } from './transport.js';

/** The transport of a child started with `fork(file, [], { serialization: 'advanced' })`. */
export function processTransport(): EngineTransport {
  const send = process.send?.bind(process);
  if (!send) throw new Error('the engine child must be started with an IPC channel (child_process.fork)');
  return {
    send: (message: ChildMessage) =>
      new Promise<void>((resolve, reject) => {
        // Writing to a closed channel throws synchronously; the 'disconnect' handler ends the process.
        if (!process.connected) {
          reject(new Error('the supervisor has disconnected'));
          return;
        }
        send(message, undefined, undefined, (error: Error | null) => (error ? reject(error) : resolve()));
      }),
    onMessage: (callback) => {
      process.on('message', callback);
    },
    onClose: (callback) => {
      process.once('disconnect', callback);
    },
  };
}
