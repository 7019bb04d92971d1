// Atomic file writer (engine process): temp file beside the target, fsync, rename over it, fsync the folder.

import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { isProcessAlive } from '../process-alive.js';

export interface AtomicWriter {
  /** Absolute path of the file that commit() replaces. */
  readonly targetPath: string;
  /** Absolute path of the temporary file being written. */
  readonly tempPath: string;
  /**
   * Appends text (encoded as UTF-8). Awaiting each call is the backpressure: data is buffered up to
   * a small limit and the returned promise settles only after any needed disk write finished.
   */
  write(chunk: string): Promise<void>;
  /** Flushes, fsyncs, renames over the target and fsyncs the folder. The writer is closed afterwards. */
  commit(): Promise<void>;
  /** Closes and deletes the temp file; an older target stays untouched. Safe to call more than once. */
  abort(): Promise<void>;
}

// Large enough to make syscalls cheap, small enough that a huge export never sits in memory.
const FLUSH_BYTES = 64 * 1024;

// The temp name must fit NAME_MAX (255 bytes) even when the target's own name is close to it.
const MAX_BASE_BYTES = 96;

// Platforms and file systems that cannot fsync a directory (Windows, some network mounts) report these.
const IGNORED_DIR_SYNC_CODES = new Set(['EINVAL', 'EPERM', 'EISDIR', 'ENOTSUP', 'EACCES']);

/**
 * Cuts text to a byte budget without splitting a character: a temp file's name must stay under 255 bytes.
 * Also used for the temp names of keyword writes (xmp/).
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > maxBytes) break;
    out += char;
    bytes += size;
  }
  return out;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

function tempNameFor(targetPath: string): string {
  return `${tempPrefixFor(targetPath)}${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

function tempPrefixFor(targetPath: string): string {
  return `.${truncateUtf8(basename(targetPath), MAX_BASE_BYTES)}.`;
}

/**
 * Removes the temp files a killed run left beside `targetPath` (same target, `.tmp`, the pid in the name no
 * longer running on this machine). A run that dies between open and commit cannot clean up after itself;
 * the next one writing the same file does. Temp files of live writers are left alone.
 */
async function removeStaleTemps(targetPath: string): Promise<void> {
  const prefix = tempPrefixFor(targetPath);
  const dir = dirname(targetPath);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length));
    if (match === null) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    await rm(resolve(dir, name), { force: true }).catch(() => undefined);
  }
}

function describeOpenError(targetPath: string, dir: string, error: unknown): Error {
  const code = errorCode(error);
  const reason =
    code === 'ENOENT'
      ? `folder "${dir}" does not exist`
      : code === 'ENOTDIR'
        ? `"${dir}" is not a folder`
        : code === 'EACCES' || code === 'EPERM'
          ? `permission denied in folder "${dir}"`
          : code === 'EROFS'
            ? `folder "${dir}" is on a read-only file system`
            : error instanceof Error
              ? error.message
              : String(error);
  return new Error(`Cannot write "${targetPath}": ${reason}`, { cause: error });
}

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!IGNORED_DIR_SYNC_CODES.has(errorCode(error) ?? '')) throw error;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Creates the temp file for `targetPath`; nothing touches the target until commit(). */
export async function openAtomicWriter(targetPath: string): Promise<AtomicWriter> {
  const target = resolve(targetPath);
  const dir = dirname(target);

  let existingMode: number | undefined;
  try {
    const info = await stat(target);
    if (info.isDirectory()) throw new Error(`Cannot write "${target}": it is a folder`);
    existingMode = info.mode & 0o7777;
  } catch (error) {
    const code = errorCode(error);
    if (code === undefined) throw error;
    if (code !== 'ENOENT') throw describeOpenError(target, dir, error);
  }

  await removeStaleTemps(target);
  const tempPath = resolve(dir, tempNameFor(target));
  let handle: FileHandle;
  try {
    // 'wx': never reuse a stray file that happens to have the same name.
    handle = await open(tempPath, 'wx', 0o666);
  } catch (error) {
    throw describeOpenError(target, dir, error);
  }
  if (existingMode !== undefined) {
    // Replacing a file should not silently change who may read it.
    await handle.chmod(existingMode).catch(() => undefined);
  }

  return new AtomicFileWriter(target, tempPath, handle);
}

type State = 'open' | 'failed' | 'committed' | 'aborted';

class AtomicFileWriter implements AtomicWriter {
  private state: State = 'open';
  private failure: unknown;
  private chunks: string[] = [];
  private bufferedLength = 0;
  private position = 0;
  // Serialises operations so that concurrent, un-awaited calls still write in call order.
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly targetPath: string,
    readonly tempPath: string,
    private readonly handle: FileHandle,
  ) {}

  write(chunk: string): Promise<void> {
    return this.enqueue(async () => {
      this.assertOpen('write');
      this.chunks.push(chunk);
      // UTF-16 length understates UTF-8 bytes by at most 3x, good enough for a flush threshold.
      this.bufferedLength += chunk.length;
      if (this.bufferedLength >= FLUSH_BYTES) await this.guard(() => this.flush());
    });
  }

  commit(): Promise<void> {
    return this.enqueue(async () => {
      this.assertOpen('commit');
      await this.guard(async () => {
        await this.flush();
        await this.handle.sync();
        await this.handle.close();
        await rename(this.tempPath, this.targetPath);
      });
      this.state = 'committed';
      // The rename is only durable once the folder entry is on disk too.
      await syncDirectory(dirname(this.targetPath));
    });
  }

  abort(): Promise<void> {
    return this.enqueue(async () => {
      if (this.state === 'committed' || this.state === 'aborted') return;
      await this.discard();
    });
  }

  private enqueue(operation: () => Promise<void>): Promise<void> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private assertOpen(operation: string): void {
    if (this.state === 'open') return;
    if (this.state === 'failed') {
      // Say what failed (ENOSPC, EIO…): "an earlier write failed" alone hides the one thing the user can fix.
      const reason = this.failure instanceof Error ? this.failure.message : String(this.failure);
      throw new Error(`Cannot ${operation} "${this.targetPath}": an earlier write failed (${reason})`, {
        cause: this.failure,
      });
    }
    throw new Error(`Cannot ${operation} "${this.targetPath}": the writer was already ${this.state}`);
  }

  // A failed write leaves a half-written temp file that nobody can use: remove it at once, so that a
  // caller that forgets abort() leaves no litter, and keep the error for later calls.
  private async guard(operation: () => Promise<void>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      this.failure = error;
      await this.discard().catch(() => undefined);
      this.state = 'failed';
      throw new Error(
        `Cannot write "${this.targetPath}": ${error instanceof Error ? error.message : error}`,
        {
          cause: error,
        },
      );
    }
  }

  private async discard(): Promise<void> {
    this.state = 'aborted';
    this.chunks = [];
    this.bufferedLength = 0;
    await this.handle.close().catch(() => undefined);
    await rm(this.tempPath, { force: true });
  }

  private async flush(): Promise<void> {
    if (this.chunks.length === 0) return;
    const data = Buffer.from(this.chunks.join(''), 'utf8');
    this.chunks = [];
    this.bufferedLength = 0;
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await this.handle.write(data, offset, data.length - offset, this.position);
      offset += bytesWritten;
      this.position += bytesWritten;
    }
  }
}
