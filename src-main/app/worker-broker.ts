// Engine children of the service host (Electron main): forks engine-child.js as a utilityProcess on the host's request and pairs them by port.

import {
  engineChildRequestSchema,
  isEngineChildMessage,
  type EngineChildReport,
} from '../shared/service-protocol.js';
import { ENGINE_PORT_MESSAGE } from '../engine/worker/parent-port-transport.js';

/** Shown in the OS task manager and in app.getAppMetrics(). */
export const ENGINE_CHILD_SERVICE_NAME = 'Skiptag engine worker';

/**
 * Children one host may have at once: one serving, one still exiting after a crash or a settings change,
 * some slack. A host asking for more has a bug; refusing keeps it from filling the machine with processes.
 */
const MAX_CHILDREN = 4;

/** A MessagePortMain as main handles it: transferred, or closed when the transfer is off. */
export interface TransferablePort {
  close(): void;
}

/** The little of a UtilityProcess used here (the service host's or an engine child's), so tests pass fakes. */
export interface ChildProcessLike {
  readonly pid: number | undefined;
  postMessage(message: unknown, transfer?: TransferablePort[]): void;
  once(event: 'spawn', listener: () => void): unknown;
  once(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface EngineChildrenOptions {
  /** utilityProcess.fork of engine-child.js. */
  fork: () => ChildProcessLike;
  /** new MessageChannelMain(). */
  channel: () => { port1: TransferablePort; port2: TransferablePort };
  log?: (message: string) => void;
}

/** One service host's engine children: started and killed when it asks, all killed when it exits. */
export class EngineChildren {
  private readonly children = new Map<number, ChildProcessLike>();
  private hostGone = false;

  constructor(
    private readonly host: Pick<ChildProcessLike, 'postMessage'>,
    private readonly options: EngineChildrenOptions,
  ) {}

  /** Handles an engine-child request from the host; false for any other message (a response, an event…). */
  handle(data: unknown): boolean {
    if (!isEngineChildMessage(data)) return false;
    const parsed = engineChildRequestSchema.safeParse(data);
    if (!parsed.success) this.log(`ignored a malformed engine-child request: ${parsed.error.message}`);
    else if (parsed.data.kind === 'engine-child:start') this.start(parsed.data.childId);
    else this.children.get(parsed.data.childId)?.kill();
    return true;
  }

  /** The service host is gone: its engine children have nobody to serve. */
  hostExited(): void {
    this.hostGone = true;
    for (const child of this.children.values()) child.kill();
  }

  get count(): number {
    return this.children.size;
  }

  private start(childId: number): void {
    if (this.children.has(childId)) {
      this.log(`engine child ${childId} was asked for twice; ignored`);
      return;
    }
    if (this.hostGone) return;
    if (this.children.size >= MAX_CHILDREN) {
      this.report({ kind: 'engine-child:exit', childId, code: null, error: 'too many engine processes' });
      return;
    }
    const ports = this.options.channel();
    let child: ChildProcessLike;
    try {
      child = this.options.fork();
    } catch (error) {
      ports.port1.close();
      ports.port2.close();
      const message = error instanceof Error ? error.message : String(error);
      this.report({ kind: 'engine-child:exit', childId, code: null, error: message });
      return;
    }
    this.children.set(childId, child);
    let spawned = false;
    // Queued in the pipe until the child reads its parentPort; after the transfer main holds neither end.
    child.postMessage(ENGINE_PORT_MESSAGE, [ports.port1]);
    child.once('spawn', () => {
      spawned = true;
      this.report({ kind: 'engine-child:started', childId, pid: child.pid ?? null }, ports.port2);
    });
    child.once('exit', (code) => {
      this.children.delete(childId);
      if (!spawned) ports.port2.close();
      const error = spawned ? null : `the engine process could not be started (exit code ${code})`;
      this.report({ kind: 'engine-child:exit', childId, code, error });
    });
  }

  private report(message: EngineChildReport, port?: TransferablePort): void {
    if (this.hostGone) {
      port?.close();
      return;
    }
    this.host.postMessage(message, port ? [port] : []);
  }

  private log(message: string): void {
    (this.options.log ?? console.error)(`[engine-children] ${message}`);
  }
}
