// Main's handle on the service process (Electron main): forks it as a utilityProcess, requests and responses, events, restart on crash.

import path from 'node:path';
import { createRequire } from 'node:module';
import type * as Electron from 'electron';
import type { EventChannel } from '../shared/contract.js';
import {
  isWorkerBrokerMessage,
  SERVICE_CHANNELS,
  type FromService,
  type ServiceChannel,
  type ServiceInput,
  type ServiceOutput,
  type ToService,
} from '../shared/service-protocol.js';
import type { MessagePortLike, Transport } from '../shared/transport.js';
import { AppError, type ErrorCode } from '../shared/errors.js';
import { WorkerBroker } from './worker-broker.js';

/** Shown in the OS task manager and in app.getAppMetrics(). */
export const SERVICE_NAME = 'Skiptag service';

/** The service process as main drives it: its link, its exit, a way to end it. Tests pass fakes. */
export interface ServiceChild {
  readonly transport: Transport<ToService>;
  onExit(listener: (code: number) => void): void;
  kill(): void;
}

/** Delay before restart number `attempt` (0-based): 0.5 s, 1 s, 2 s … capped at 30 s. */
export function restartDelayMs(attempt: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, attempt));
}

/** Long operations get long timeouts; everything else should answer within seconds. */
export function requestTimeoutMs(channel: ServiceChannel): number {
  if (channel === SERVICE_CHANNELS.exportToPath) return 30 * 60_000;
  if (channel === 'library:addFolders') return 5 * 60_000;
  return 60_000;
}

/** How long a clean shutdown (service:close: jobs cancelled, library closed) may take before the kill. */
const CLOSE_TIMEOUT_MS = 5_000;
/** A process that lived this long was healthy: its crash starts the backoff from the beginning again. */
const STABLE_AFTER_MS = 60_000;
/** Crashes in a row (each shortly after start) before giving up until the app restarts. */
const MAX_QUICK_CRASHES = 8;

export interface ServiceProcessOptions {
  fork: () => ServiceChild;
  /** A contract event from the service, for the window. */
  onEvent: (channel: EventChannel, payload: unknown) => void;
  /** The service came back after a crash: what the UI shows may be stale and in-flight work was lost. */
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

/** The service is restarting, has stopped, or did not answer in time: code engine_unavailable. */
export class ServiceUnavailableError extends AppError {
  constructor(message: string) {
    super('engine_unavailable', message);
    this.name = 'ServiceUnavailableError';
  }
}

/** The service answered with an error: its code (shared/errors.ts) and message, passed on as they are. */
export class ServiceRequestError extends AppError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
    this.name = 'ServiceRequestError';
  }
}

type State = 'idle' | 'running' | 'restarting' | 'failed' | 'stopped';

export class ServiceProcess {
  private child: ServiceChild | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private quickCrashes = 0;
  private startedAt = 0;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private state: State = 'idle';
  /** Requests made while the service restarts wait here (their timeouts still run). */
  private readonly outbox: ToService[] = [];
  private onChildExit: (() => void) | null = null;

  constructor(private readonly options: ServiceProcessOptions) {}

  get status(): State {
    return this.state;
  }

  start(): void {
    if (this.state === 'running' || this.state === 'stopped') return;
    this.spawn();
  }

  request<C extends ServiceChannel>(
    channel: C,
    payload: ServiceInput<C>,
    timeoutMs?: number,
  ): Promise<ServiceOutput<C>>;
  request(
    channel: ServiceChannel,
    payload: unknown,
    timeoutMs = requestTimeoutMs(channel),
  ): Promise<unknown> {
    if (this.state === 'failed' || this.state === 'stopped') {
      return Promise.reject(
        new ServiceUnavailableError(`${channel}: the service is not running (${this.state})`),
      );
    }
    return this.send(this.child && this.state === 'running' ? this.child : null, channel, payload, timeoutMs);
  }

  /** Posts now when there is a process, else queues until the next one starts. */
  private send(child: ServiceChild | null, channel: ServiceChannel, payload: unknown, timeoutMs: number) {
    const id = this.nextId++;
    const message: ToService = { kind: 'request', id, channel, payload };
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        const queued = this.outbox.indexOf(message);
        if (queued >= 0) this.outbox.splice(queued, 1);
        reject(
          new ServiceUnavailableError(`${channel}: the service did not answer within ${timeoutMs / 1000} s`),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      if (child) this.post(child, message);
      else this.outbox.push(message);
    });
  }

  /**
   * Stops for good (app quit): asks the service to close the library cleanly (service:close), kills it if
   * that takes too long. No restart; every other waiting request fails.
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
      this.send(child, SERVICE_CHANNELS.close, {}, CLOSE_TIMEOUT_MS).catch(() => undefined);
      await Promise.race([exited, timeout]);
      clearTimeout(timer);
    }
    this.child = null;
    child.kill();
  }

  private post(child: ServiceChild, message: ToService): void {
    // A send that fails means the process is going away: its exit fails the request.
    child.transport.send(message).catch(() => undefined);
  }

  private spawn(): void {
    const now = this.options.now ?? Date.now;
    const child = this.options.fork();
    this.child = child;
    this.state = 'running';
    this.startedAt = now();
    child.transport.onMessage((message) => {
      if (this.child === child) this.receive(message as FromService);
    });
    child.onExit((code) => {
      if (this.child === child) this.exited(code);
    });
    for (const message of this.outbox.splice(0)) this.post(child, message);
  }

  /** The service is Skiptag's own trusted process: its messages are dispatched by kind, not validated again. */
  private receive(message: FromService): void {
    switch (message.kind) {
      case 'ready':
        return;
      case 'log':
        (this.options.log ?? console.error)(`[service] ${message.level}: ${message.message}`);
        return;
      case 'fatal':
        // The service exits next; a restart would only fail the same way.
        this.state = 'failed';
        this.log(`the service cannot start: ${message.message}`);
        this.options.onFatal?.(message.message);
        return;
      case 'event':
        this.options.onEvent(message.channel, message.payload);
        return;
      case 'response': {
        const pending = this.pending.get(message.id);
        if (!pending) return; // timed out already
        this.pending.delete(message.id);
        clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(new ServiceRequestError(message.error.code, message.error.message));
        return;
      }
      default:
        this.log(`ignored a message of unknown kind from the service`);
    }
  }

  private exited(code: number): void {
    this.child = null;
    this.onChildExit?.();
    this.onChildExit = null;
    if (this.state === 'stopped' || this.state === 'failed') {
      this.failAll(
        this.state === 'stopped' ? 'the app is quitting' : `the service is not running (exit code ${code})`,
      );
      return;
    }
    const now = this.options.now ?? Date.now;
    const lived = now() - this.startedAt;
    this.quickCrashes = lived >= STABLE_AFTER_MS ? 0 : this.quickCrashes + 1;
    // Requests in flight may have caused the crash: fail them rather than replay them.
    this.failAll(`the service stopped (exit code ${code}) and is restarting`);
    if (this.quickCrashes >= MAX_QUICK_CRASHES) {
      this.state = 'failed';
      this.log(`the service crashed ${this.quickCrashes} times in a row; not restarting it again`);
      return;
    }
    this.state = 'restarting';
    const delay = restartDelayMs(Math.max(0, this.quickCrashes - 1));
    this.log(`the service exited with code ${code}; restarting in ${delay} ms`);
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
      pending.reject(new ServiceUnavailableError(reason));
      this.pending.delete(id);
    }
  }

  private log(message: string): void {
    (this.options.log ?? console.error)(`[service-process] ${message}`);
  }
}

type UtilityProcessApi = Pick<typeof Electron.utilityProcess, 'fork'>;

/**
 * `utilityProcess.fork` of the service entry, adapted to ServiceChild (utilityProcess is passed in, so this
 * module loads electron only for MessageChannelMain, when the first worker is brokered). Each service gets
 * its own WorkerBroker: the workers it asks for are forked here (it cannot fork them itself in a packaged
 * app) and killed when it exits.
 */
export function utilityProcessForker(
  utilityProcess: UtilityProcessApi,
  entry: string,
  options: { workerEntry?: string; channel?: () => { port1: MessagePortLike; port2: MessagePortLike } } = {},
): () => ServiceChild {
  const workerEntry = options.workerEntry ?? path.join(path.dirname(entry), 'worker.js');
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: SERVICE_NAME, stdio: 'inherit' });
    const transport: Transport<ToService> = {
      send: (message, ports = []) => {
        child.postMessage(message, ports as unknown as Electron.MessagePortMain[]);
        return Promise.resolve();
      },
      // worker:* requests go to the broker below, never to ServiceProcess.
      onMessage: (listener) =>
        void child.on('message', (message: unknown) => {
          if (!isWorkerBrokerMessage(message)) listener(message, []);
        }),
      onClose: (listener) => void child.on('exit', () => listener()),
      close: () => undefined,
    };
    const broker = new WorkerBroker(transport, {
      fork: () => utilityProcess.fork(workerEntry, [], WorkerBroker.forkOptions()),
      channel: options.channel ?? electronMessageChannel,
    });
    child.on('message', (message: unknown) => {
      if (isWorkerBrokerMessage(message)) broker.handle(message);
    });
    child.on('exit', () => broker.serviceExited());
    return {
      transport,
      onExit: (listener) => void child.on('exit', listener),
      kill: () => void child.kill(),
    };
  };
}

/** MessageChannelMain, loaded when first needed so this module (and its tests) import without Electron. */
function electronMessageChannel(): { port1: MessagePortLike; port2: MessagePortLike } {
  const electron = createRequire(import.meta.url)('electron') as typeof Electron;
  return new electron.MessageChannelMain() as unknown as { port1: MessagePortLike; port2: MessagePortLike };
}
