// Process exit codes of the skiptag command (CLI), documented in the README.

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
