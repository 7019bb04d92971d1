// Engine-child launcher of the service host inside Electron (service host): main forks the child, the supervisor gets a port to it.

import type { ParentMessage } from '../../shared/worker-protocol.js';
import {
  engineChildReportSchema,
  isEngineChildMessage,
  type EngineChildRequest,
} from '../../shared/service-protocol.js';
import type { ChildExit, EngineChildLauncher, LaunchEvents, LaunchedChild } from './child-launcher.js';
import type { MessagePortLike, ParentPortLike } from './electron-ports.js';

/** The service host's line to Electron main: its parentPort, or a stand-in in tests. */
export interface MainLink {
  post(message: EngineChildRequest): void;
  /** Every message from main, with the ports that came with it. */
  onMessage(listener: (data: unknown, ports: readonly MessagePortLike[]) => void): void;
}

export function parentPortLink(parentPort: ParentPortLike): MainLink {
  return {
    post: (message) => parentPort.postMessage(message),
    onMessage: (listener) => parentPort.on('message', (event) => listener(event.data, event.ports)),
  };
}

/**
 * How long an exit report waits for the port to report its close. Main's exit report and the child's last
 * messages travel different pipes; the close comes after those messages, so waiting for it keeps a
 * `started` sent just before a crash ahead of the exit (crash blame depends on it). The wait is bounded in
 * case a close never comes.
 */
const PORT_DRAIN_MS = 2000;

export interface PortLauncherOptions {
  onLog?: (message: string) => void;
  drainMs?: number;
}

/** Asks main for each child (`engine-child:start`) and speaks to it over the port main hands back. */
export class PortLauncher implements EngineChildLauncher {
  private nextId = 1;
  private readonly children = new Map<number, PortChild>();

  constructor(
    private readonly link: MainLink,
    private readonly options: PortLauncherOptions = {},
  ) {
    link.onMessage((data, ports) => this.receive(data, ports));
  }

  launch(events: LaunchEvents): LaunchedChild {
    const childId = this.nextId++;
    const child = new PortChild(childId, events, this.link, this.options.drainMs ?? PORT_DRAIN_MS, () =>
      this.children.delete(childId),
    );
    this.children.set(childId, child);
    this.link.post({ kind: 'engine-child:start', childId });
    return child;
  }

  private receive(data: unknown, ports: readonly MessagePortLike[]): void {
    if (!isEngineChildMessage(data)) return;
    const parsed = engineChildReportSchema.safeParse(data);
    if (!parsed.success) {
      this.log(`ignored a malformed engine-child message from main: ${parsed.error.message}`);
      return;
    }
    const report = parsed.data;
    const child = this.children.get(report.childId);
    if (!child) return;
    if (report.kind === 'engine-child:started') {
      const port = ports[0];
      if (port) child.attach(report.pid, port);
      else this.log(`engine child ${report.childId} started without a port`);
    } else {
      child.exited({
        code: report.code,
        signal: null,
        error: report.error === null ? null : new Error(report.error),
      });
    }
  }

  private log(message: string): void {
    (this.options.onLog ?? console.error)(message);
  }
}

class PortChild implements LaunchedChild {
  pid: number | null = null;
  private port: MessagePortLike | null = null;
  /** Messages sent before main handed over the port; they go first once it arrives. */
  private readonly queue: ParentMessage[] = [];
  private portClosed = false;
  private exit: ChildExit | null = null;
  private drainTimer: ReturnType<typeof setTimeout> | null = null;
  private done = false;

  constructor(
    private readonly childId: number,
    private readonly events: LaunchEvents,
    private readonly link: MainLink,
    private readonly drainMs: number,
    private readonly forget: () => void,
  ) {}

  send(message: ParentMessage): boolean {
    if (this.exit !== null || this.portClosed) return false;
    if (this.port) this.port.postMessage(message);
    else this.queue.push(message);
    return true;
  }

  kill(): void {
    // Main decides how (utilityProcess.kill); its exit report follows as for any other end.
    if (this.exit === null) this.link.post({ kind: 'engine-child:kill', childId: this.childId });
  }

  attach(pid: number | null, port: MessagePortLike): void {
    if (this.port || this.exit) {
      port.close();
      return;
    }
    this.pid = pid;
    this.port = port;
    port.on('message', (event) => {
      if (!this.done) this.events.message(event.data);
    });
    port.on('close', () => {
      this.portClosed = true;
      this.settle();
    });
    port.start();
    for (const message of this.queue.splice(0)) port.postMessage(message);
  }

  exited(exit: ChildExit): void {
    if (this.exit) return;
    this.exit = exit;
    this.queue.length = 0;
    if (this.port && !this.portClosed) {
      this.drainTimer = setTimeout(() => this.finish(), this.drainMs);
    }
    this.settle();
  }

  /** Reports the exit once main has reported it and the port has delivered everything (or never came). */
  private settle(): void {
    if (this.exit && (this.portClosed || this.port === null)) this.finish();
  }

  private finish(): void {
    if (this.done || !this.exit) return;
    this.done = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.port?.close();
    this.forget();
    this.events.exit(this.exit);
  }
}
