// Reads one photo file into memory exactly once and hashes it, mapping OS errors to FileError (engine process).

import { createHash } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { FileError, type FileErrorCode } from '../../shared/file-errors.js';

/** 512 MiB: far above any camera file; it bounds memory, since each in-flight file is held whole while decoding. */
export const DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024;

export interface PhotoBytes {
  bytes: Buffer;
  /** Bytes actually read (the file can shrink between stat and read). */
  size: number;
  /** Lower-case hex SHA-256 of `bytes`. */
  sha256: string;
}

// O_NONBLOCK so that opening a FIFO returns at once instead of parking a libuv thread until a writer appears;
// it has no effect on regular files. Windows has no such flag.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export async function readPhoto(
  path: Buffer | string,
  maxBytes: number = DEFAULT_MAX_FILE_BYTES,
): Promise<PhotoBytes> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, OPEN_FLAGS);
  } catch (error) {
    throw toFileError(error);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      throw new FileError('path_error', 'is a directory, not a file');
    }
    if (!stat.isFile()) {
      throw new FileError('path_error', 'not a regular file (device, FIFO or socket)');
    }
    if (stat.size > maxBytes) {
      throw new FileError(
        'too_large',
        `file is ${formatBytes(stat.size)}, over the ${formatBytes(maxBytes)} limit`,
      );
    }
    if (stat.size === 0) {
      throw new FileError('corrupt', 'empty file');
    }
    const bytes = await readFully(handle, stat.size);
    if (bytes.length === 0) {
      throw new FileError('corrupt', 'empty file');
    }
    return { bytes, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (error) {
    throw toFileError(error);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Reads up to `size` bytes; a file truncated meanwhile yields what was there (the decoder then judges it). */
async function readFully(handle: fsp.FileHandle, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size);
  let filled = 0;
  while (filled < size) {
    const { bytesRead } = await handle.read(buffer, filled, size - filled, filled);
    if (bytesRead === 0) {
      return buffer.subarray(0, filled);
    }
    filled += bytesRead;
  }
  return buffer;
}

const ERRNO_MAP: Record<string, [FileErrorCode, string]> = {
  ENOENT: ['vanished', 'file disappeared before it could be read'],
  EACCES: ['unreadable', 'permission denied'],
  EPERM: ['unreadable', 'permission denied'],
  EBUSY: ['unreadable', 'file is locked by another program'],
  EISDIR: ['path_error', 'is a directory, not a file'],
  ENOTDIR: ['path_error', 'a component of the path is not a directory'],
  ENAMETOOLONG: ['path_error', 'path is too long'],
  ELOOP: ['path_error', 'too many levels of symbolic links'],
  EINVAL: ['path_error', 'invalid path'],
  ENXIO: ['path_error', 'not a regular file (device, FIFO or socket)'],
  // Not the file's fault but Skiptag's (too many files open at once, out of memory).
  EMFILE: ['internal', 'too many open files'],
  ENFILE: ['internal', 'too many open files in the system'],
  ENOMEM: ['internal', 'out of memory while reading'],
};

function toFileError(error: unknown): FileError {
  if (error instanceof FileError) {
    return error;
  }
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ERR_INVALID_ARG_VALUE') {
    // Node refuses paths with NUL bytes before asking the OS.
    return new FileError('path_error', 'path cannot be opened (it contains a NUL byte)', { cause: error });
  }
  if (code === 'ERR_FS_FILE_TOO_LARGE' || error instanceof RangeError) {
    return new FileError('too_large', 'file is too large to read into memory', { cause: error });
  }
  const mapped = code === undefined ? undefined : ERRNO_MAP[code];
  if (mapped) {
    return new FileError(mapped[0], `${mapped[1]} (${code})`, { cause: error });
  }
  // EIO, ESTALE, ETIMEDOUT, … : the file is there but the storage would not give it up.
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  return new FileError('unreadable', `read error (${reason})`, { cause: error });
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 * 1024) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 * 1024) return `${(n / 1024 ** 2).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  return `${n} bytes`;
}
