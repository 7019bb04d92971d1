// How the skiptag command meets its shell (CLI): results to stdout, everything for people to stderr; exit codes and the errors behind them; Ctrl-C.

/** Output channels: results to stdout, everything for people (progress, notes, errors) to stderr. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  errStream: NodeJS.WriteStream;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  errStream: process.stderr,
};

/** Process exit codes of the skiptag command, documented in the README. */
export const EXIT = {
  /** Every file was tagged (or there was nothing to tag). */
  ok: 0,
  /** The run finished but some files failed; see the summary and the error columns. */
  someFilesFailed: 1,
  /** Bad command line: unknown option, missing argument, invalid value. */
  usage: 2,
  /** Nothing could run: the model or provider failed to load, an output file could not be written. */
  fatal: 3,
  /** Interrupted by Ctrl-C / SIGTERM; whatever was finished has been written. */
  interrupted: 130,
} as const;

/** A mistake on the command line: printed with a hint to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A run-stopping failure (model, provider, output file): printed plainly, exit code 3. */
export class FatalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FatalError';
  }
}

/**
 * Ctrl-C / SIGTERM for long runs: the first signal stops gracefully, a second one quits at once.
 * Aborts `controller` on SIGINT/SIGTERM; returns a function that removes the handlers.
 */
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
