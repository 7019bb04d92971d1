// Worker processes of the service (Electron main): forked as utilityProcesses on the service's request and paired with it by a port.

import type { ForkOptions } from 'electron';
import {
  WORKER_PORT_KIND,
  type ToService,
  type WorkerBrokerReport,
  type WorkerBrokerRequest,
} from '../shared/service-protocol.js';
import type { MessagePortLike, Transport } from '../shared/transport.js';
import { decodingThreadpoolSize } from '../engine/threadpool.js';

/** Shown in the OS task manager and in app.getAppMetrics(). */
export const WORKER_NAME = 'Skiptag worker';

/**
 * Workers one service may have at once: a classifier, a renderer, one of each still exiting after a crash
 * or a settings change. A service asking for more has a bug; refusing keeps it from filling the machine.
 */
const MAX_WORKERS = 4;

/** The little of a worker's UtilityProcess used here, so tests pass fakes. */
export interface WorkerProcessLike {
  readonly pid: number | undefined;
  postMessage(message: unknown, transfer?: MessagePortLike[]): void;
  once(event: 'spawn', listener: () => void): unknown;
  once(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

export interface WorkerBrokerOptions {
  /** utilityProcess.fork of the worker entry. */
  fork: () => WorkerProcessLike;
  /** new MessageChannelMain(). */
  channel: () => { port1: MessagePortLike; port2: MessagePortLike };
  log?: (message: string) => void;
}

/** One service's workers: started and killed when it asks, all killed when it exits. */
export class WorkerBroker {
  private readonly workers = new Map<number, WorkerProcessLike>();
  private serviceGone = false;

  constructor(
    private readonly service: Transport<ToService>,
    private readonly options: WorkerBrokerOptions,
  ) {}

  /** utilityProcess.fork options for a worker: one decode per core, where the decoding happens. */
  static forkOptions(): ForkOptions {
    return {
      serviceName: WORKER_NAME,
      stdio: 'inherit',
      env: { UV_THREADPOOL_SIZE: decodingThreadpoolSize(), ...process.env },
    };
  }

  /** A worker:* request from the service (trusted, but a malformed one is logged and dropped, not obeyed). */
  handle(data: unknown): void {
    const request = data as WorkerBrokerRequest;
    if (!Number.isSafeInteger(request.workerId) || request.workerId < 1) {
      this.log(`ignored a malformed worker request: ${JSON.stringify(data)}`);
      return;
    }
    if (request.kind === 'worker:start') this.start(request.workerId);
    else if (request.kind === 'worker:kill') this.workers.get(request.workerId)?.kill();
    else this.log(`ignored an unknown worker request: ${JSON.stringify(data)}`);
  }

  /** The service is gone: its workers have nobody to serve. */
  serviceExited(): void {
    this.serviceGone = true;
    for (const worker of this.workers.values()) worker.kill();
  }

  get count(): number {
    return this.workers.size;
  }

  private start(workerId: number): void {
    if (this.workers.has(workerId)) {
      this.log(`worker ${workerId} was asked for twice; ignored`);
      return;
    }
    if (this.serviceGone) return;
    if (this.workers.size >= MAX_WORKERS) {
      this.report({ kind: 'worker:exit', workerId, code: null, error: 'too many worker processes' });
      return;
    }
    const ports = this.options.channel();
    let worker: WorkerProcessLike;
    try {
      worker = this.options.fork();
    } catch (error) {
      ports.port1.close();
      ports.port2.close();
      const message = error instanceof Error ? error.message : String(error);
      this.report({ kind: 'worker:exit', workerId, code: null, error: message });
      return;
    }
    this.workers.set(workerId, worker);
    let spawned = false;
    // Queued in the pipe until the worker reads its parentPort; after the transfer main holds neither end.
    worker.postMessage({ kind: WORKER_PORT_KIND }, [ports.port1]);
    worker.once('spawn', () => {
      spawned = true;
      this.report({ kind: 'worker:started', workerId, pid: worker.pid ?? null }, ports.port2);
    });
    worker.once('exit', (code) => {
      this.workers.delete(workerId);
      if (!spawned) ports.port2.close();
      const error = spawned ? null : `the worker process could not be started (exit code ${code})`;
      this.report({ kind: 'worker:exit', workerId, code, error });
    });
  }

  private report(message: WorkerBrokerReport, port?: MessagePortLike): void {
    if (this.serviceGone) {
      port?.close();
      return;
    }
    this.service.send(message, port ? [port] : []).catch(() => port?.close());
  }

  private log(message: string): void {
    (this.options.log ?? console.error)(`[worker-broker] ${message}`);
  }
}
