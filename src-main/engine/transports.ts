// Transports of the engine's processes (service process, worker process, CLI): the shared Transport over Node IPC, Electron ports and worker_threads ports.

import type { ChildProcess } from 'node:child_process';
import type { MessagePort } from 'node:worker_threads';
import type { MessagePortLike, PortMessageEvent, Transport } from '../shared/transport.js';

/** Electron's process.parentPort in a utilityProcess (the engine never imports electron: typed here). */
export interface ParentPortLike {
  on(event: 'message', listener: (event: PortMessageEvent) => void): unknown;
  off(event: 'message', listener: (event: PortMessageEvent) => void): unknown;
  postMessage(message: unknown): void;
}

/** This process's parentPort when Electron started it with utilityProcess.fork; null under plain Node. */
export function electronParentPort(): ParentPortLike | null {
  return (process as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort ?? null;
}

/** A tick for the IO thread: a port has no delivery callback, and a crash right after must not lose the message. */
const handedOn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function noPorts(ports: readonly MessagePortLike[] | undefined, where: string): void {
  if (ports && ports.length > 0) throw new Error(`${where} cannot transfer ports`);
}

/** The child's end of a child_process.fork IPC channel (`serialization: 'advanced'` keeps byte paths). */
export function processTransport(): Transport {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this process was not started with an IPC channel (child_process.fork)');
  const listeners: ((message: unknown) => void)[] = [];
  return {
    send: (message, ports) =>
      new Promise<void>((resolve, reject) => {
        noPorts(ports, 'a Node IPC channel');
        // Writing to a closed channel throws; the 'disconnect' listener ends the process.
        if (!process.connected) return reject(new Error('the parent process has disconnected'));
        send(message, undefined, undefined, (error: Error | null) => (error ? reject(error) : resolve()));
      }),
    onMessage: (listener) => {
      const wrapped = (message: unknown) => listener(message, []);
      listeners.push(wrapped);
      process.on('message', wrapped);
    },
    onClose: (listener) => void process.once('disconnect', listener),
    close: () => {
      for (const listener of listeners.splice(0)) process.off('message', listener);
      if (process.connected) process.disconnect();
    },
  };
}

/** The parent's end of a child_process.fork IPC channel; `close` fires after the child's last message. */
export function forkTransport(child: ChildProcess): Transport {
  return {
    send: (message, ports) =>
      new Promise<void>((resolve, reject) => {
        noPorts(ports, 'a Node IPC channel');
        if (!child.connected) return reject(new Error('the child process has disconnected'));
        child.send(message as never, (error: Error | null) => (error ? reject(error) : resolve()));
      }),
    onMessage: (listener) => void child.on('message', (message: unknown) => listener(message, [])),
    // 'close' (not 'exit') comes after the IPC channel is drained: a `started` sent just before a crash is never lost.
    onClose: (listener) => void child.on('close', () => listener()),
    close: () => {
      if (child.connected) child.disconnect();
    },
  };
}

/** The child's end of an Electron utilityProcess: main's messages (and the ports it transfers) arrive here. */
export function parentPortTransport(parentPort: ParentPortLike): Transport {
  const listeners: ((event: PortMessageEvent) => void)[] = [];
  return {
    send: (message, ports) => {
      noPorts(ports, 'a utilityProcess parentPort');
      parentPort.postMessage(message);
      return handedOn();
    },
    onMessage: (listener) => {
      const wrapped = (event: PortMessageEvent) => listener(event.data, event.ports);
      listeners.push(wrapped);
      parentPort.on('message', wrapped);
    },
    // Main never closes the parentPort: when main goes, Electron ends its utility processes.
    onClose: () => undefined,
    close: () => {
      for (const listener of listeners.splice(0)) parentPort.off('message', listener);
    },
  };
}

/** One end of a MessageChannel(Main): the service ⇄ worker link inside Electron, and tests everywhere. */
export function portTransport(port: MessagePortLike): Transport {
  let started = false;
  let closed = false;
  port.on('close', () => (closed = true));
  return {
    send: (message, ports) => {
      noPorts(ports, 'this port');
      if (closed) return Promise.reject(new Error('the other end of the port is gone'));
      port.postMessage(message);
      return handedOn();
    },
    onMessage: (listener) => {
      port.on('message', (event) => listener(event.data, event.ports));
      if (!started) port.start();
      started = true;
    },
    onClose: (listener) => void port.on('close', listener),
    close: () => port.close(),
  };
}

/**
 * A transport that starts without its port: main forks an Electron utility worker and hands it the port to
 * its supervisor in a first message of `kind`. Messages sent before the port arrives wait for it.
 */
export function portFromParentTransport(parentPort: ParentPortLike, kind: string): Transport {
  const messageListeners: ((message: unknown, ports: readonly MessagePortLike[]) => void)[] = [];
  const closeListeners: (() => void)[] = [];
  const early: { message: unknown; resolve: () => void; reject: (error: Error) => void }[] = [];
  let link: Transport | null = null;
  const onParent = (event: PortMessageEvent) => {
    const data = event.data as { kind?: unknown } | null;
    const offered = event.ports[0];
    // One port for the process's life; nothing else from main is meant for the worker.
    if (link !== null || offered === undefined || data?.kind !== kind) return;
    parentPort.off('message', onParent);
    link = portTransport(offered);
    link.onMessage((message, ports) => {
      for (const listener of messageListeners) listener(message, ports);
    });
    link.onClose(() => {
      for (const listener of closeListeners.splice(0)) listener();
    });
    for (const waiting of early.splice(0)) link.send(waiting.message).then(waiting.resolve, waiting.reject);
  };
  parentPort.on('message', onParent);
  return {
    send: (message, ports) => {
      noPorts(ports, 'a worker port');
      if (link) return link.send(message);
      return new Promise<void>((resolve, reject) => early.push({ message, resolve, reject }));
    },
    onMessage: (listener) => void messageListeners.push(listener),
    onClose: (listener) => void closeListeners.push(listener),
    close: () => {
      parentPort.off('message', onParent);
      link?.close();
    },
  };
}

/** A node:worker_threads MessagePort shaped like Electron's MessagePortMain (tests and plain-Node runs). */
export function nodeMessagePort(inner: MessagePort): MessagePortLike {
  return {
    postMessage: (message) => inner.postMessage(message),
    on: ((event: 'message' | 'close', listener: (event?: PortMessageEvent) => void) =>
      event === 'message'
        ? inner.on('message', (data: unknown) => listener({ data, ports: [] }))
        : inner.on('close', () => listener())) as MessagePortLike['on'],
    start: () => inner.start(),
    close: () => inner.close(),
  };
}
