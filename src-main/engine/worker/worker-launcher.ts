// The launcher of worker processes (service process, CLI): child_process.fork under Node, Electron main's utilityProcess inside the app.

import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  isWorkerBrokerMessage,
  type WorkerBrokerReport,
  type WorkerBrokerRequest,
} from '../../shared/service-protocol.js';
import type { MessagePortLike, Transport } from '../../shared/transport.js';
import type { ToWorker } from '../../shared/worker-protocol.js';
import { findPackageRoot } from '../package-root.js';
import { decodingThreadpoolSize } from '../threadpool.js';
import { forkTransport, portTransport } from '../transports.js';

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error: Error | null;
}

/** Short reason for messages: "SIGSEGV", "exit code 1", "could not start: …". */
export function describeExit(exit: WorkerExit): string {
  if (exit.error) return `could not start: ${exit.error.message}`;
  if (exit.signal) return exit.signal;
  return `exit code ${exit.code}`;
}

/** A started (or starting) worker process as its supervisor drives it. */
export interface LaunchedWorker {
  /** The OS process id; null while not known yet (or when it never started). */
  readonly pid: number | null;
  readonly transport: Transport;
  /** Ends the process; the exit follows. Electron always terminates, whatever the signal. */
  kill(signal: NodeJS.Signals): void;
  /** Resolves once, after the process ended and every message it sent has been delivered. */
  readonly exited: Promise<WorkerExit>;
}

/** Starts worker processes. Must not throw: a failed start is an `exited` with `error`. */
export interface WorkerLauncher {
  launch(): LaunchedWorker;
}

/** Where `tsc -b tsconfig.build.json` puts the worker's entry, relative to the package root. */
const COMPILED_ENTRY = path.join('out', 'src-main', 'engine', 'worker', 'worker-main.js');

/**
 * The worker must be plain JavaScript (fork cannot run TypeScript). Compiled code finds it beside itself;
 * code running from .ts sources (vitest) falls back to the compiled copy, which the test setup builds.
 */
export async function resolveWorkerEntry(): Promise<string> {
  const sibling = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  const compiled = path.join(await findPackageRoot(import.meta.url), COMPILED_ENTRY);
  if (existsSync(compiled)) return compiled;
  throw new Error(`worker entry not found (${sibling} or ${compiled}); run npm run build`);
}

/** Forks `entry` (worker-main.js) with `env` (default: this process's) for every launch. */
export function forkLauncher(entry: string, env?: NodeJS.ProcessEnv): WorkerLauncher {
  return {
    launch() {
      const child = fork(entry, [], {
        // 'advanced' (structured clone) keeps Uint8Array paths as bytes; JSON would mangle them.
        serialization: 'advanced',
        // One decode per core in the worker, where the decoding happens (libuv's default pool is 4 threads).
        env: { UV_THREADPOOL_SIZE: decodingThreadpoolSize(), ...(env ?? process.env) },
        // Not the parent's flags: under a test runner or debugger they would load loaders or open inspector ports.
        execArgv: [],
        // The worker's stdout goes to our stderr: the CLI's stdout carries results only.
        stdio: ['ignore', 2, 'inherit', 'ipc'],
      });
      const transport = forkTransport(child);
      const exited = new Promise<WorkerExit>((resolve) => {
        child.on('close', (code, signal) => resolve({ code, signal, error: null }));
        child.on('error', (error) => {
          // Spawn failures get no 'close'; other errors (a send racing the exit) are followed by one.
          if (child.pid === undefined) resolve({ code: null, signal: null, error });
        });
      });
      let ended = false;
      void exited.then(() => (ended = true));
      return {
        get pid() {
          return child.pid ?? null;
        },
        transport,
        kill: (signal) => {
          if (!ended) child.kill(signal);
        },
        exited,
      };
    },
  };
}

/** A launcher holding one process started ahead of need; dispose() ends it if nobody took it. */
export interface PreforkedLauncher extends WorkerLauncher {
  dispose(): void;
}

/**
 * Starts one worker process now, before anyone asks, and hands it out on the first launch() (later ones
 * start fresh). Why: a worker spends ~0.2 s loading onnxruntime and sharp before it can open a model;
 * started as a command begins, that happens while the command opens the library and walks the folders,
 * instead of after. The process starts its inference thread (`prepare`) and waits for `open`, so an unused
 * one costs only its start-up on an otherwise idle core; dispose() ends it.
 */
export function preforkedLauncher(base: WorkerLauncher): PreforkedLauncher {
  let spare: LaunchedWorker | null = base.launch();
  // A model will probably be opened in it: onnxruntime loads meanwhile too (see prepareInferenceThread).
  spare.transport.send({ type: 'prepare' } satisfies ToWorker).catch(() => undefined);
  return {
    launch() {
      const worker = spare ?? base.launch();
      spare = null;
      return worker;
    },
    dispose() {
      spare?.kill('SIGTERM');
      spare = null;
    },
  };
}

/**
 * How long an exit report waits for the port to report its close. Main's report and the worker's last
 * messages travel different pipes; the close comes after those messages, so waiting for it keeps a
 * `started` sent just before a crash ahead of the exit (crash blame depends on it). Bounded in case a
 * close never comes.
 */
const PORT_DRAIN_MS = 2000;

/**
 * Inside Electron the service process cannot fork (the RunAsNode fuse is off): it asks main
 * (`worker:start`), main forks the worker as a utilityProcess and hands each side one end of a
 * MessageChannelMain. `toMain` is the service's link to main; this launcher takes the worker:* messages.
 */
export class MainLauncher implements WorkerLauncher {
  private nextId = 1;
  private readonly workers = new Map<number, MainLaunchedWorker>();

  constructor(
    private readonly toMain: Transport,
    private readonly options: { drainMs?: number; onLog?: (message: string) => void } = {},
  ) {
    toMain.onMessage((message, ports) => this.receive(message, ports));
  }

  launch(): LaunchedWorker {
    const workerId = this.nextId++;
    const worker = new MainLaunchedWorker(workerId, this.options.drainMs ?? PORT_DRAIN_MS, (message) =>
      this.post(message),
    );
    this.workers.set(workerId, worker);
    void worker.exited.then(() => this.workers.delete(workerId));
    this.post({ kind: 'worker:start', workerId });
    return worker;
  }

  private post(message: WorkerBrokerRequest): void {
    this.toMain.send(message).catch((error: unknown) => this.log(`cannot reach main: ${String(error)}`));
  }

  private receive(message: unknown, ports: readonly MessagePortLike[]): void {
    if (!isWorkerBrokerMessage(message)) return;
    const report = message as WorkerBrokerReport;
    const worker = this.workers.get(report.workerId);
    if (!worker) return;
    if (report.kind === 'worker:started') {
      const port = ports[0];
      if (port) worker.attach(report.pid, port);
      else this.log(`worker ${report.workerId} started without a port`);
    } else if (report.kind === 'worker:exit') {
      worker.ended({
        code: report.code,
        signal: null,
        error: report.error === null ? null : new Error(report.error),
      });
    }
  }

  private log(message: string): void {
    (this.options.onLog ?? console.error)(message);
  }
}

class MainLaunchedWorker implements LaunchedWorker {
  pid: number | null = null;
  readonly exited: Promise<WorkerExit>;
  readonly transport: Transport;
  private link: Transport | null = null;
  private readonly early: { message: unknown; resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly messageListeners: ((message: unknown, ports: readonly MessagePortLike[]) => void)[] = [];
  private readonly closeListeners: (() => void)[] = [];
  private portClosed = false;
  private exit: WorkerExit | null = null;
  private drainTimer: ReturnType<typeof setTimeout> | null = null;
  private done = false;
  private resolveExited: (exit: WorkerExit) => void = () => undefined;

  constructor(
    private readonly workerId: number,
    private readonly drainMs: number,
    private readonly post: (message: WorkerBrokerRequest) => void,
  ) {
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    this.transport = {
      send: (message) => {
        if (this.exit !== null || this.portClosed) return Promise.reject(new Error('the worker is gone'));
        if (this.link) return this.link.send(message);
        return new Promise<void>((resolve, reject) => this.early.push({ message, resolve, reject }));
      },
      onMessage: (listener) => void this.messageListeners.push(listener),
      onClose: (listener) => void this.closeListeners.push(listener),
      close: () => this.link?.close(),
    };
  }

  kill(): void {
    // Main decides how (utilityProcess.kill); its exit report follows as for any other end.
    if (this.exit === null) this.post({ kind: 'worker:kill', workerId: this.workerId });
  }

  attach(pid: number | null, port: MessagePortLike): void {
    if (this.link || this.exit) {
      port.close();
      return;
    }
    this.pid = pid;
    const link = portTransport(port);
    this.link = link;
    link.onMessage((message, ports) => {
      if (!this.done) for (const listener of this.messageListeners) listener(message, ports);
    });
    link.onClose(() => {
      this.portClosed = true;
      this.settle();
    });
    for (const waiting of this.early.splice(0))
      link.send(waiting.message).then(waiting.resolve, waiting.reject);
  }

  ended(exit: WorkerExit): void {
    if (this.exit) return;
    this.exit = exit;
    for (const waiting of this.early.splice(0)) waiting.reject(new Error('the worker is gone'));
    if (this.link && !this.portClosed) this.drainTimer = setTimeout(() => this.finish(), this.drainMs);
    this.settle();
  }

  /** Reports the exit once main has reported it and the port has delivered everything (or never came). */
  private settle(): void {
    if (this.exit && (this.portClosed || this.link === null)) this.finish();
  }

  private finish(): void {
    if (this.done || !this.exit) return;
    this.done = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.link?.close();
    for (const listener of this.closeListeners.splice(0)) listener();
    this.resolveExited(this.exit);
  }
}
