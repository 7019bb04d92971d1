// How the service host talks to its parent (engine): Electron's process.parentPort, a Node IPC channel, or a MessagePort.

import type { MessagePort } from 'node:worker_threads';
import type { HostOutgoing } from '../../shared/service-protocol.js';

/** The one thing the host logic needs: raw messages in, messages out. */
export interface HostTransport {
  onMessage(listener: (data: unknown) => void): void;
  post(message: HostOutgoing): void;
  /** Stops listening so the process can exit. */
  close(): void;
}

/** Electron's utilityProcess side, typed here because the engine never imports electron. */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  off(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

/** process.parentPort inside an Electron utilityProcess; null anywhere else. */
export function parentPortTransport(): HostTransport | null {
  const port = (process as NodeJS.Process & { parentPort?: ParentPort }).parentPort;
  if (port === undefined) return null;
  const listeners: ((event: { data: unknown }) => void)[] = [];
  return {
    onMessage: (listener) => {
      const wrapped = (event: { data: unknown }) => listener(event.data);
      listeners.push(wrapped);
      port.on('message', wrapped);
    },
    post: (message) => port.postMessage(message),
    close: () => {
      for (const listener of listeners.splice(0)) port.off('message', listener);
    },
  };
}

/** A child_process.fork IPC channel (running the host under plain Node); null without one. */
export function processIpcTransport(): HostTransport | null {
  if (typeof process.send !== 'function') return null;
  const listeners: ((data: unknown) => void)[] = [];
  return {
    onMessage: (listener) => {
      listeners.push(listener);
      process.on('message', listener);
    },
    post: (message) => void process.send?.(message),
    close: () => {
      for (const listener of listeners.splice(0)) process.off('message', listener);
      process.disconnect?.();
    },
  };
}

/** A worker_threads MessagePort: what the tests use in place of parentPort. */
export function messagePortTransport(port: MessagePort): HostTransport {
  return {
    onMessage: (listener) => port.on('message', listener),
    post: (message) => port.postMessage(message),
    close: () => port.close(),
  };
}
