// Electron's process.parentPort and MessagePortMain as the engine sees them (service host, engine child): typed here, never imported.

/** What a port or the parentPort delivers: the structured-cloned message and the ports that came with it. */
export interface PortMessageEvent {
  data: unknown;
  ports: MessagePortLike[];
}

/** MessagePortMain (Electron), or anything shaped like it (the tests wrap node:worker_threads ports). */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: PortMessageEvent) => void): unknown;
  /** The other end is gone (its process ended, or it was closed). */
  on(event: 'close', listener: () => void): unknown;
  /** Messages are queued until start(). */
  start(): void;
  close(): void;
}

/** process.parentPort of an Electron utilityProcess. */
export interface ParentPortLike {
  on(event: 'message', listener: (event: PortMessageEvent) => void): unknown;
  postMessage(message: unknown): void;
}

/** This process's parentPort when it runs as an Electron utilityProcess; null under plain Node (child_process.fork). */
export function electronParentPort(): ParentPortLike | null {
  return (process as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort ?? null;
}
