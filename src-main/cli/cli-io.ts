// How the skiptag command meets its shell (CLI): results to stdout, everything for people to stderr; exit codes and the errors behind them; Ctrl-C.

/** Output channels: results to stdout, everything for people (progress, notes, errors) to stderr. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  errStream: NodeJS.WriteStream;
}

const closedOutput = new AbortController();
let stderrClosed = false;
let pipesGuarded = false;

/**
 * Aborts once the reader of stdout went away (`skiptag models list | head -1`): nothing more is printed
 * there, and a long run stops as on Ctrl-C, keeping what it finished.
 */
export const outputClosed: AbortSignal = closedOutput.signal;

/**
 * Text for people is escaped (stderr always, stdout on a terminal): a file name holding an escape sequence
 * must not recolour, retitle or rewrite the user's terminal. Piped stdout stays exact for scripts.
 */
export const processIo: CliIo = {
  out: (line) => {
    if (closedOutput.signal.aborted) return;
    process.stdout.write(`${process.stdout.isTTY ? escapeForTerminal(line) : line}\n`);
  },
  err: (line) => {
    if (stderrClosed) return;
    process.stderr.write(`${escapeForTerminal(line)}\n`);
  },
  errStream: process.stderr,
};

/**
 * Once per process: a closed pipe (EPIPE, or any other failure to write) ends that output quietly instead
 * of an unhandled 'error' event's stack trace.
 */
export function guardClosedPipes(): void {
  if (pipesGuarded) return;
  pipesGuarded = true;
  process.stdout.on('error', () => closedOutput.abort());
  process.stderr.on('error', () => {
    stderrClosed = true;
  });
}

/**
 * Control characters made visible: C0 (but tab and line feed, which the output's own layout uses), DEL,
 * C1 (0x9b is a one-byte CSI on some terminals) and the bidirectional overrides that reorder what is shown.
 */
export function escapeForTerminal(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (char) => {
    const code = char.codePointAt(0) ?? 0;
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

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
  // Nobody reads the results any more: stop the same way, without a message (the reader is gone).
  const onClosed = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  outputClosed.addEventListener('abort', onClosed);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    outputClosed.removeEventListener('abort', onClosed);
  };
}
