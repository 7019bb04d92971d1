// What the input walker yields (engine process): its items and options, paths as bytes (Linux names are not text), fs errors as items.

import { resolve, sep } from 'node:path';
import type { FileErrorCode } from '../../shared/file-errors.js';

export interface WalkOptions {
  /** Walk into entries whose name starts with "." (default false). Explicit inputs are never filtered. */
  includeHidden?: boolean;
  /** Follow symbolic links met inside folders (default true). Explicit inputs are always followed. */
  followSymlinks?: boolean;
  /** Checked between entries; an aborted walk throws the signal's reason. */
  signal?: AbortSignal;
}

/** Why an entry was passed over. Stable strings: the CLI counts and may print them. */
export type SkipReason =
  /** Extension is neither a decodable nor a known-unsupported photo format. */
  | 'not_a_photo'
  /** Name starts with "." and includeHidden is off. */
  | 'hidden'
  /** OS or NAS bookkeeping (thumbnail caches, recycle bins, AppleDouble "._" files). */
  | 'system'
  /** FIFO, socket or device: opening one could block forever. */
  | 'not_a_regular_file'
  /** A symbolic link met while followSymlinks is off. */
  | 'symlink_not_followed'
  /** A file already yielded (or about to be) under another path. */
  | 'duplicate'
  /** A folder already walked: a symlink loop, or the same folder named or reached twice. */
  | 'already_visited';

export type WalkItem =
  | { kind: 'file'; path: Buffer; display: string; explicit: boolean }
  | { kind: 'error'; path: Buffer; display: string; code: FileErrorCode; message: string }
  | { kind: 'skipped'; display: string; reason: SkipReason };

const SEPARATOR = Buffer.from(sep, 'utf8');
const SEPARATOR_BYTES: readonly number[] = sep === '\\' ? [0x5c, 0x2f] : [0x2f];

/** Resolves a command-line argument (already text) against the working directory, as bytes. */
export function absolutePathBytes(input: string): Buffer {
  return Buffer.from(resolve(input), 'utf8');
}

/** dir + separator + name, without doubling the separator when dir is a root such as "/". */
export function joinPathBytes(dir: Buffer, name: Buffer): Buffer {
  const last = dir[dir.length - 1];
  if (last !== undefined && SEPARATOR_BYTES.includes(last)) return Buffer.concat([dir, name]);
  return Buffer.concat([dir, SEPARATOR, name]);
}

/** Splits an absolute path into its parent directory and last component; the root's parent is itself. */
export function splitPathBytes(full: Buffer): { dir: Buffer; name: Buffer } {
  let end = full.length;
  while (end > 1 && SEPARATOR_BYTES.includes(full[end - 1] ?? -1)) end--;
  let cut = end - 1;
  while (cut >= 0 && !SEPARATOR_BYTES.includes(full[cut] ?? -1)) cut--;
  if (cut < 0) return { dir: full.subarray(0, 0), name: full.subarray(0, end) };
  // Keep the separator when the parent is the root ("/x" → "/"), drop it otherwise.
  const dir = full.subarray(0, cut === 0 || full[cut - 1] === 0x3a ? cut + 1 : cut);
  return { dir, name: full.subarray(cut + 1, end) };
}

/** Text for messages and exports: invalid UTF-8 sequences become U+FFFD (lossy, never throws). */
export function displayPath(bytes: Buffer): string {
  return bytes.toString('utf8');
}

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
