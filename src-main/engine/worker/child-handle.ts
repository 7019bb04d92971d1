// One forked engine child as the supervisor (parent) sees it: typed sends, validated messages, one exit report.

import { fork, type ChildProcess } from 'node:child_process';
import { decodingThreadpoolSize } from '../threadpool.js';
import {
  parseChildMessage,
  type ChildMessage,
  type EngineContractError,
  type ParentMessage,
} from '../../shared/engine-contract.js';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error: Error | null;
}

/** Short reason for messages: "SIGSEGV", "exit code 1", "could not start: …". */
export function describeExit(exit: ChildExit): string {
  if (exit.error) return `could not start: ${exit.error.message}`;
  if (exit.signal) return exit.signal;
  return `exit code ${exit.code}`;
}

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

  private constructor(
    private readonly proc: ChildProcess,
    events: ChildEvents,
  ) {
    this.ended = new Promise<ChildExit>((resolve) => {
      const finish = (exit: ChildExit) => {
        if (this.exitInfo) return;
        this.exitInfo = exit;
        resolve(exit);
        events.exit(exit);
      };
      // 'close' (not 'exit') comes after the IPC channel is drained: a `started` sent just before a crash is never lost.
      proc.on('close', (code, signal) => finish({ code, signal, error: null }));
      proc.on('error', (error) => {
        // Spawn failures get no 'close'; other errors (a send racing the exit) are followed by one.
        if (proc.pid === undefined) finish({ code: null, signal: null, error });
      });
    });
    proc.on('message', (raw: unknown) => {
      let message: ChildMessage;
      try {
        message = parseChildMessage(raw);
      } catch (error) {
        events.invalid(error as EngineContractError);
        return;
      }
      events.message(message);
    });
  }

  static fork(entry: string, env: NodeJS.ProcessEnv | undefined, events: ChildEvents): EngineChildHandle {
    const proc = fork(entry, [], {
      // 'advanced' (structured clone) keeps Uint8Array paths as bytes; JSON would mangle them.
      serialization: 'advanced',
      // One decode per core in the child, where the decoding happens (libuv's default pool is 4 threads).
      env: { UV_THREADPOOL_SIZE: decodingThreadpoolSize(), ...(env ?? process.env) },
      // Not the parent's flags: under a test runner or debugger they would load loaders or open inspector ports.
      execArgv: [],
      // The child's stdout goes to our stderr: the CLI's stdout carries results only.
      stdio: ['ignore', 2, 'inherit', 'ipc'],
    });
    return new EngineChildHandle(proc, events);
  }

  get pid(): number | null {
    return this.proc.pid ?? null;
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  /** Sends a message; false when the channel is already closed (the exit report follows). */
  send(message: ParentMessage): boolean {
    if (!this.proc.connected) return false;
    this.proc.send(message, (error: Error | null) => {
      // Only happens when the child is going away; its exit report handles the consequences.
      void error;
    });
    return true;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.alive) this.proc.kill(signal);
  }
}
