// The one message transport between Skiptag's processes (shared): main ⇄ service and service ⇄ worker use it alike.
// Types only: the Node and Electron implementations live in engine/transports.ts and app/service-process.ts.

/** Electron's MessagePortMain, or a worker_threads port wrapped to look like one (tests, plain Node). */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: PortMessageEvent) => void): unknown;
  /** The other end is gone (its process ended, or it was closed). */
  on(event: 'close', listener: () => void): unknown;
  /** Messages are queued until start(). */
  start(): void;
  close(): void;
}

/** What a port delivers: the structured-cloned message and the ports that were transferred with it. */
export interface PortMessageEvent {
  data: unknown;
  ports: readonly MessagePortLike[];
}

/**
 * One end of a link between two processes. Messages are structured clones (Uint8Array paths stay bytes);
 * what arrives is unvalidated: each side decides how far it trusts the other (see the protocols).
 */
export interface Transport<Out = unknown> {
  /**
   * Sends a message, with ports to transfer where the link can carry them. Resolves once the message has
   * been handed on (to the OS or the port), so a native crash right after cannot lose it; rejects when the
   * other end is gone.
   */
  send(message: Out, ports?: readonly MessagePortLike[]): Promise<void>;
  /** Every message from the other end, with the ports that came with it. */
  onMessage(listener: (message: unknown, ports: readonly MessagePortLike[]) => void): void;
  /** The other end went away; everything it sent before has been delivered. */
  onClose(listener: () => void): void;
  /** Stops listening, so the process can exit. */
  close(): void;
}
