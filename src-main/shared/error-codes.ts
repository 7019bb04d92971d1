// Error codes and the coded error class (shared): the stable codes every failed request or job carries, with no zod, so engine code that raises them stays light.
// No Node or DOM imports: main, the service, the test bridge and (as types, through the contract) the renderer use it.

/**
 * What callers branch on; the message is for people and may change. Never rename a code.
 * - bad_request: the input is wrong (fails the contract, unknown channel, a path that is not a folder)
 * - forbidden: refused whatever the input (a sender that is not the Skiptag window, folder paths typed by the page)
 * - not_found: the folder, image, job or catalogue model does not exist
 * - unsupported: this process cannot do it (dialogs belong to the app shell) or the service is closing
 * - model_not_found: there is no model to tag with (none installed), or the model asked for is not there
 * - download_failed: a model download failed (network, server, size or checksum, another install running)
 * - library_busy: another process holds the library's write lock (SQLite busy) longer than the busy timeout
 * - engine_unavailable: the service is restarting, has stopped, or did not answer in time
 * - failed: anything else that went wrong while doing it
 */
export const ERROR_CODES = [
  'bad_request',
  'forbidden',
  'not_found',
  'unsupported',
  'model_not_found',
  'download_failed',
  'library_busy',
  'engine_unavailable',
  'failed',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error whose code is known where it is raised; every other error reaches callers as 'failed'. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
}
