// How the engine supervisor (parent) starts an engine child: the seam between crash handling and process creation.

import type { ParentMessage } from '../../shared/worker-protocol.js';

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

export interface LaunchEvents {
  /** A message from the child, not yet validated. */
  message(raw: unknown): void;
  /** Called once, when the child has ended and every message it sent before has been delivered. */
  exit(exit: ChildExit): void;
}

/** A started (or starting) child as the supervisor drives it. */
export interface LaunchedChild {
  /** The OS process id; null while it is not known yet (or the child never started). */
  readonly pid: number | null;
  /** Sends a message; false when the channel is already closed (the exit report follows). */
  send(message: ParentMessage): boolean;
  /** Ends the child; its exit report follows. A launcher may not honour the signal (Electron always terminates). */
  kill(signal: NodeJS.Signals): void;
}

/**
 * Starts engine children: child_process.fork under Node (fork-launcher.ts), a utilityProcess forked by
 * Electron main inside the app (port-launcher.ts). Must not throw: a start failure is an exit report with `error`.
 * Events are never called from within launch() itself.
 */
export interface EngineChildLauncher {
  launch(events: LaunchEvents): LaunchedChild;
}
