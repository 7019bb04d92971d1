// A worker process started with the CLI (CLI): for a command that will classify, it loads onnxruntime and sharp while the CLI loads itself.

import { forkLauncher, preforkedLauncher, type PreforkedLauncher } from '../engine/worker/worker-launcher.js';

let waiting: PreforkedLauncher | null = null;

/**
 * Forks the worker now (bin/skiptag.js calls this first thing for `tag`). Why: the CLI spends ~0.2 s
 * loading its own modules and opening the library before it knows a photo needs classifying; the worker
 * spends about as long loading its native modules. Started together, the two overlap on two cores.
 * This module imports nothing heavy, so calling it costs a few milliseconds.
 */
export function startWorkerHeadStart(entry: string): void {
  waiting ??= preforkedLauncher(forkLauncher(entry));
}

/** The head-started worker's launcher, handed over once (the taker must dispose it); null when none. */
export function takeWorkerHeadStart(): PreforkedLauncher | null {
  const taken = waiting;
  waiting = null;
  return taken;
}

/** Ends a head-started worker nobody took (the command failed early, or did not need one). */
export function disposeWorkerHeadStart(): void {
  takeWorkerHeadStart()?.dispose();
}
