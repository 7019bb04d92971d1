// Ctrl-C / SIGTERM handling for long CLI runs: the first signal stops gracefully, a second one quits at once.

import type { CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';

/** Aborts `controller` on SIGINT/SIGTERM; returns a function that removes the handlers. */
export function abortOnInterrupt(controller: AbortController, io: CliIo, message: string): () => void {
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    io.err(`\n${message} (press Ctrl-C again to quit now)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
