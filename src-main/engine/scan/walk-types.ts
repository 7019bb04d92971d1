// Types of the input walker (engine process): what walkInputs yields and how it can be configured.

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
