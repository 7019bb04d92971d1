// Runs the engine's service host in a utilityProcess (Electron main): request/response, events, restart on crash.

import {
  HOST_CHANNELS,
  hostOutgoingSchema,
  type HostChannel,
  type HostRequest,
} from '../shared/service-protocol.js';
import { EVENTS, type EventChannel, type RequestChannel } from '../shared/contract.js';
import { AppError, type ErrorCode } from '../shared/errors.js';

export type EngineChannel = RequestChannel | HostChannel;

/** The little of a UtilityProcess the host uses, so tests can hand it a fake. */
export interface HostChild {
  postMessage(message: HostRequest): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number) => void): void;
  kill(): void;
}

export { ENGINE_SERVICE_NAME, utilityProcessForker, type ForkerOptions } from './host-forker.js';

/** Delay before restart number `attempt` (0-based): 0.5 s, 1 s, 2 s … capped at 30 s. */
export function restartDelayMs(attempt: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, attempt));
}

/** Long operations get long timeouts; everything else should answer within seconds. */
export function requestTimeoutMs(channel: EngineChannel): number {
  if (channel === HOST_CHANNELS.exportToPath) return 30 * 60_000;
  if (channel === 'library:addFolders') return 5 * 60_000;
  return 60_000;
}

/** How long a clean shutdown (host:close: jobs cancelled, library closed) may take before the kill. */
const CLOSE_TIMEOUT_MS = 5_000;
/** A child that lived this long was healthy: its crash starts the backoff from the beginning again. */
const STABLE_AFTER_MS = 60_000;
/** Crashes in a row (each shortly after start) before giving up until the app restarts. */
const MAX_QUICK_CRASHES = 8;

export interface EngineHostOptions {
  fork: () => HostChild;
  /** A validated contract event from the engine. */
  onEvent: (channel: EventChannel, payload: unknown) => void;
  /** The engine came back after a crash: what the UI shows may be stale and in-flight work was lost. */
  onRestarted?: () => void;
  /** The service cannot start at all (library unreadable, newer version…): restarting would not help. */
  onFatal?: (message: string) => void;
  log?: (message: string) => void;
  now?: () => number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** The engine is restarting, has stopped, or did not answer in time: code engine_unavailable. */
export class EngineUnavailableError extends AppError {
  constructor(message: string) {
    super('engine_unavailable', message);
    this.name = 'EngineUnavailableError';
  }
}

/** The engine answered with an error: the service's code (shared/errors.ts) and message, passed on as they are. */
export class EngineRequestError extends AppError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'EngineRequestError';
  }
}

export class EngineHost {
  private child: HostChild | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private quickCrashes = 0;
  private startedAt = 0;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private state: 'idle' | 'running' | 'restarting' | 'failed' | 'stopped' = 'idle';
  /** Requests made while the engine restarts wait here (their timeouts still run). */
  private readonly outbox: HostRequest[] = [];
  private onChildExit: (() => void) | null = null;

  constructor(private readonly options: EngineHostOptions) {}

  get status(): 'idle' | 'running' | 'restarting' | 'failed' | 'stopped' {
    return this.state;
  }

  start(): void {
    if (this.state === 'running' || this.state === 'stopped') return;
    this.spawn();
  }

  request(channel: EngineChannel, payload: unknown, timeoutMs = requestTimeoutMs(channel)): Promise<unknown> {
    if (this.state === 'failed' || this.state === 'stopped') {
      return Promise.reject(
        new EngineUnavailableError(`${channel}: the engine is not running (${this.state})`),
      );
    }
    return this.send(this.child && this.state === 'running' ? this.child : null, channel, payload, timeoutMs);
  }

  /** Posts now when there is a child, else queues until the next one starts. */
  private send(child: HostChild | null, channel: EngineChannel, payload: unknown, timeoutMs: number) {
    const id = this.nextId++;
    const message: HostRequest = { kind: 'request', id, channel, payload };
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        const queued = this.outbox.indexOf(message);
        if (queued >= 0) this.outbox.splice(queued, 1);
        reject(
          new EngineUnavailableError(`${channel}: the engine did not answer within ${timeoutMs / 1000} s`),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      if (child) child.postMessage(message);
      else this.outbox.push(message);
    });
  }

  /**
   * Stops for good (app quit): asks the host to close the library cleanly (host:close), kills it if that takes
   * too long. No restart; every other waiting request fails.
   */
  async stop(): Promise<void> {
    const child = this.child;
    const wasRunning = this.state === 'running';
    this.state = 'stopped';
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.failAll('the app is quitting');
    if (!child) return;
    if (wasRunning) {
      const exited = new Promise<void>((resolve) => (this.onChildExit = resolve));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)));
      this.send(child, HOST_CHANNELS.close, {}, CLOSE_TIMEOUT_MS).catch(() => undefined);
      await Promise.race([exited, timeout]);
      clearTimeout(timer);
    }
    this.child = null;
    child.kill();
  }

  private spawn(): void {
    const now = this.options.now ?? Date.now;
    const child = this.options.fork();
    this.child = child;
    this.state = 'running';
    this.startedAt = now();
    child.onMessage((message) => {
      if (this.child === child) this.receive(message);
    });
    child.onExit((code) => {
      if (this.child === child) this.exited(code);
    });
    for (const message of this.outbox.splice(0)) child.postMessage(message);
  }

  private receive(raw: unknown): void {
    const parsed = hostOutgoingSchema.safeParse(raw);
    if (!parsed.success) {
      this.log(`ignored a malformed message from the engine: ${parsed.error.message}`);
      return;
    }
    const message = parsed.data;
    switch (message.kind) {
      case 'ready':
        return;
      case 'log':
        (this.options.log ?? console.error)(`[engine] ${message.level}: ${message.message}`);
        return;
      case 'fatal':
        // The host exits next; a restart would only fail the same way.
        this.state = 'failed';
        this.log(`the engine cannot start: ${message.message}`);
        this.options.onFatal?.(message.message);
        return;
      case 'event': {
        const payload = EVENTS[message.channel].safeParse(message.payload);
        if (payload.success) this.options.onEvent(message.channel, payload.data);
        else this.log(`ignored invalid ${message.channel} event: ${payload.error.message}`);
        return;
      }
      case 'response': {
        if (message.id === null) {
          this.log(`the engine could not read a request: ${message.ok ? '' : message.error.message}`);
          return;
        }
        const pending = this.pending.get(message.id);
        if (!pending) return; // timed out already
        this.pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(new EngineRequestError(message.error.code, message.error.message));
      }
    }
  }

  private exited(code: number): void {
    this.child = null;
    this.onChildExit?.();
    this.onChildExit = null;
    if (this.state === 'stopped' || this.state === 'failed') {
      this.failAll(
        this.state === 'stopped' ? 'the app is quitting' : `the engine is not running (exit code ${code})`,
      );
      return;
    }
    const now = this.options.now ?? Date.now;
    const lived = now() - this.startedAt;
    this.quickCrashes = lived >= STABLE_AFTER_MS ? 0 : this.quickCrashes + 1;
    // Requests in flight may have caused the crash (a poison file): fail them rather than replay them.
    this.failAll(`the engine stopped (exit code ${code}) and is restarting`);
    if (this.quickCrashes >= MAX_QUICK_CRASHES) {
      this.state = 'failed';
      this.log(`the engine crashed ${this.quickCrashes} times in a row; not restarting it again`);
      return;
    }
    this.state = 'restarting';
    const delay = restartDelayMs(Math.max(0, this.quickCrashes - 1));
    this.log(`the engine exited with code ${code}; restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.state !== 'restarting') return;
      this.spawn();
      this.options.onRestarted?.();
    }, delay);
  }

  private failAll(reason: string): void {
    this.outbox.length = 0;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new EngineUnavailableError(reason));
      this.pending.delete(id);
    }
  }

  private log(message: string): void {
    (this.options.log ?? console.error)(`[engine-host] ${message}`);
  }
}
