// One engine child as the supervisor (parent) sees it: typed sends, validated messages, one exit report, whatever launched it.

import {
  parseChildMessage,
  type ChildMessage,
  type EngineContractError,
  type ParentMessage,
} from '../../shared/worker-protocol.js';
import type { ChildExit, EngineChildLauncher, LaunchedChild } from './child-launcher.js';

export { describeExit, type ChildExit } from './child-launcher.js';

export interface ChildEvents {
  message(message: ChildMessage): void;
  /** A message that broke the contract (a bug): the supervisor decides what to do with the child. */
  invalid(error: EngineContractError): void;
  /** The process ended and every message it sent has been delivered. */
  exit(exit: ChildExit): void;
}

export class EngineChildHandle {
  /** Set once the child answered `ready`. */
  ready = false;
  readonly ended: Promise<ChildExit>;
  private exitInfo: ChildExit | null = null;
  private readonly child: LaunchedChild;

  private constructor(launcher: EngineChildLauncher, events: ChildEvents) {
    let resolveEnded: (exit: ChildExit) => void = () => undefined;
    this.ended = new Promise<ChildExit>((resolve) => (resolveEnded = resolve));
    this.child = launcher.launch({
      message: (raw) => {
        if (this.exitInfo) return;
        let message: ChildMessage;
        try {
          message = parseChildMessage(raw);
        } catch (error) {
          events.invalid(error as EngineContractError);
          return;
        }
        events.message(message);
      },
      exit: (exit) => {
        if (this.exitInfo) return;
        this.exitInfo = exit;
        resolveEnded(exit);
        events.exit(exit);
      },
    });
  }

  static launch(launcher: EngineChildLauncher, events: ChildEvents): EngineChildHandle {
    return new EngineChildHandle(launcher, events);
  }

  get pid(): number | null {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  /** Sends a message; false when the channel is already closed (the exit report follows). */
  send(message: ParentMessage): boolean {
    return this.alive && this.child.send(message);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.alive) this.child.kill(signal);
  }
}
