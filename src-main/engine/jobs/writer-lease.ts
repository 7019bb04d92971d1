// The library's writer lease (engine; CLI and service): one scan-and-classify run at a time per library, whichever process runs it.

import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Library, LeaseHolder, WriterKind } from '../library/library.js';
import { AppError } from '../../shared/errors.js';
import { isProcessAlive } from '../process-alive.js';

/** How often a holder says it is alive. */
export const HEARTBEAT_MS = 5_000;
/**
 * A holder silent this long is taken for gone, even where its pid cannot be checked (another machine on a
 * network share) or was reused. Far above the heartbeat: a busy machine delays timers, never by a minute.
 */
export const STALE_MS = 60_000;
/** How often a run waiting for the lease tries again. */
const RETRY_MS = 500;

/** Refused because another run holds the lease; the message names it (exit code 3 in the CLI). */
export class LibraryBusyError extends AppError {
  constructor(
    readonly holder: LeaseHolder,
    hint: string,
  ) {
    super('library_busy', `library busy: ${describeHolder(holder)} is using it${hint}`);
    this.name = 'LibraryBusyError';
  }
}

/** Another run took the lease while this one held it (it was judged gone: frozen for a minute, say). */
export class LeaseLostError extends Error {
  constructor(holder: LeaseHolder | null) {
    super(
      `stopped: this run lost the library to ${holder ? describeHolder(holder) : 'another run'} (it was unresponsive for over ${STALE_MS / 1000} s); run it again to finish`,
    );
    this.name = 'LeaseLostError';
  }
}

/** `watch (pid 4242)`, `the Skiptag app (pid 17)`, with the machine when it is another one. */
export function describeHolder(holder: LeaseHolder): string {
  const who = holder.kind === 'app' ? 'the Skiptag app' : holder.kind;
  const where = holder.host === os.hostname() ? '' : ` on ${holder.host}`;
  return `${who} (pid ${holder.pid}${where})`;
}

export interface AcquireOptions {
  kind: WriterKind;
  /** Wait for the holder to finish instead of failing with LibraryBusyError. */
  wait: boolean;
  /** Appended to LibraryBusyError's message, e.g. "; --wait to queue". */
  busyHint?: string;
  /** Called when a wait starts and whenever the holder changes while waiting. */
  onWaiting?: (holder: LeaseHolder) => void;
  /** Ends a wait (AbortError); also a cancelled job's way out. */
  signal?: AbortSignal;
  /** Awaited between tries: how a paused job keeps waiting without spinning. */
  checkpoint?: () => Promise<void>;
}

export class WriterLease {
  private readonly timer: NodeJS.Timeout;
  private lostTo: LeaseHolder | null | undefined;
  private released = false;

  private constructor(
    private readonly library: Library,
    readonly token: string,
  ) {
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    // A forgotten lease must not keep a CLI process alive.
    this.timer.unref();
  }

  /** Takes the lease, waiting (options.wait) or failing with LibraryBusyError when another run holds it. */
  static async acquire(library: Library, options: AcquireOptions): Promise<WriterLease> {
    const token = randomUUID();
    let shown: string | null = null;
    for (;;) {
      options.signal?.throwIfAborted();
      const claim = library.claimLease(
        { token, pid: process.pid, host: os.hostname(), kind: options.kind, heartbeatMs: Date.now() },
        isGone,
      );
      if (claim.ok) return new WriterLease(library, token);
      if (!options.wait) throw new LibraryBusyError(claim.holder, options.busyHint ?? '');
      if (shown !== claim.holder.token) {
        shown = claim.holder.token;
        options.onWaiting?.(claim.holder);
      }
      await sleep(RETRY_MS, options.signal);
      await options.checkpoint?.();
    }
  }

  /** Throws LibraryBusyError when another live run holds the lease now (a check before costly setup). */
  static assertFree(library: Library, busyHint = ''): void {
    const holder = library.leaseHolder();
    if (holder !== null && !isGone(holder)) throw new LibraryBusyError(holder, busyHint);
  }

  /** Throws LeaseLostError once another run has taken the lease (seen at the last heartbeat). */
  assertHeld(): void {
    if (this.lostTo !== undefined) throw new LeaseLostError(this.lostTo);
  }

  /** Marks the lost lease at once when `library` says the token no longer holds it. */
  lost(): LeaseLostError {
    this.lostTo ??= this.library.leaseHolder();
    return new LeaseLostError(this.lostTo);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    try {
      this.library.releaseLease(this.token);
    } catch {
      // A library that cannot be written now (disk full) keeps the row: it goes stale with this process.
    }
  }

  private beat(): void {
    if (this.released || this.lostTo !== undefined) return;
    try {
      if (!this.library.heartbeatLease(this.token, Date.now())) this.lostTo = this.library.leaseHolder();
    } catch {
      // Busy for a moment (another process's transaction): the next beat, 5 s later, tries again.
    }
  }
}

/** A holder on this machine whose process is gone, or any holder silent for STALE_MS. */
function isGone(holder: LeaseHolder): boolean {
  if (holder.host === os.hostname() && !isProcessAlive(holder.pid)) return true;
  return Date.now() - holder.heartbeatMs > STALE_MS;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      if (signal?.aborted) reject(signal.reason);
      else resolve();
    }
  });
}
