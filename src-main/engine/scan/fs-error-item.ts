// Maps file-system errors met while walking to per-path error items (engine process).

import type { FileErrorCode } from '../../shared/file-errors.js';
import { displayPath } from './path-bytes.js';
import type { WalkItem } from './walk-types.js';

export type ErrorItem = Extract<WalkItem, { kind: 'error' }>;

/**
 * Where the error happened: a missing command-line input is the user's typo (path_error), while an
 * entry that was listed a moment ago and is now gone has vanished under a running scan.
 */
export type ErrorPhase = 'input' | 'walk';

export function errorItem(path: Buffer, code: FileErrorCode, reason: string): ErrorItem {
  const display = displayPath(path);
  const message = display === '' ? reason : `${reason}: ${display}`;
  return { kind: 'error', path, display, code, message };
}

/** Rethrows anything that is not an errno-style fs error: those are bugs or aborts, not bad paths. */
export function fsErrorItem(path: Buffer, error: unknown, phase: ErrorPhase): ErrorItem {
  const code = errnoCode(error);
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return phase === 'input'
        ? errorItem(path, 'path_error', 'No such file or directory')
        : errorItem(path, 'vanished', 'Disappeared during the scan');
    case 'EACCES':
    case 'EPERM':
      return errorItem(path, 'unreadable', 'Permission denied');
    case 'ELOOP':
      return errorItem(path, 'path_error', 'Too many levels of symbolic links');
    case 'ENAMETOOLONG':
      return errorItem(path, 'path_error', 'File name too long');
    case undefined:
      throw error;
    default:
      // EIO, ESTALE, EMFILE, …: the device or the OS failed us, not the path itself.
      return errorItem(path, 'unreadable', `Cannot read (${code})`);
  }
}

export function errnoCode(error: unknown): string | undefined {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}
