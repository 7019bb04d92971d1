// Supervisor of one worker process (service process, CLI): classifies and renders through it, restarts it after a crash and isolates the file that caused it.

import { FileError } from '../../shared/file-errors.js';
import { errorResult, type FileResult } from '../../shared/results.js';
import {
  parseFromWorker,
  parseOpenOptions,
  WorkerProtocolError,
  type FromWorker,
  type LogLevel,
  type OpenModelOptions,
  type TaskValue,
  type ToWorker,
  type WorkerReadyInfo,
  type WorkerTask,
} from '../../shared/worker-protocol.js';
import { WorkTracker, type ClassifyOutcome, type OnWorkResult, type WorkItem } from './work-tracker.js';
import {
  describeExit,
  forkLauncher,
  resolveWorkerEntry,
  type LaunchedWorker,
  type WorkerLauncher,
} from './worker-launcher.js';

export type { ClassifyOutcome, OnWorkResult, WorkItem } from './work-tracker.js';

export interface WorkerSupervisorOptions {
  /** The model to open; without one the worker only runs tasks (renders, pixel hashes). */
  model?: OpenModelOptions | null;
  /** How workers are started; default: child_process.fork of `entry` with `env`. */
  launcher?: WorkerLauncher;
  /** JavaScript entry for the default launcher; default: worker-main.js (see resolveWorkerEntry). */
  entry?: string;
  /** The worker's environment for the default launcher; default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Crashes blamed on no file (nothing was being decoded) that one classify call tolerates; default 10. */
  maxRestarts?: number;
  /** How long close() waits for a graceful exit before killing the worker; default 5000 ms. */
  closeTimeoutMs?: number;
  /**
   * Called once, when the first worker reports its model open, before any of its results is handed on:
   * where a command says which provider it runs on.
   */
  onOpened?: (info: WorkerReadyInfo) => void;
  /** The worker's log lines and the supervisor's own notes; default: warnings and errors to stderr. */
  onLog?: (level: LogLevel, message: string) => void;
}

/** Milliseconds on this process's performance.now() clock; null until it happened. */
export interface SupervisorTimeline {
  launchedAt: number;
  openedAt: number | null;
  /** The worker said it hands the first photo to its decoder (possibly before the model is open). */
  firstDecodeAt: number | null;
}

/** A file given up on after crashing the worker this many times. */
const MAX_CRASHES_PER_FILE = 2;

interface Worker {
  process: LaunchedWorker;
  phase: 'starting' | 'opening' | 'ready';
  ended: boolean;
  /** Photos were sent to it before its model was open (see begin()). */
  early: boolean;
}

interface Task {
  task: WorkerTask;
  resolve: (value: TaskValue) => void;
  reject: (error: Error) => void;
  crashes: number;
  inFlight: boolean;
}

export class WorkerSupervisor {
  private worker: Worker | null = null;
  private info: WorkerReadyInfo | null = null;
  private restarting: Promise<void> | null = null;
  /** Settles when the first worker is ready (and its model open); see begin(). */
  private opening: Promise<void> = Promise.resolve();
  private readonly times: SupervisorTimeline = {
    launchedAt: performance.now(),
    openedAt: null,
    firstDecodeAt: null,
  };
  /** Why the first worker could not open the model: every later call fails with it. */
  private openError: Error | null = null;
  /**
   * Whether classify work may go to a worker whose model is still opening. Only the first launch: a
   * worker that dies then is given no blame and started again the classic way (open, then work), which
   * tells a photo that crashes the decoder from a model that crashes onnxruntime.
   */
  private earlyWork = true;
  private restartCount = 0;
  private closing: Promise<void> | null = null;
  private readonly tracker: WorkTracker;
  private readonly tasks = new Map<number, Task>();
  private taskQueue: number[] = [];
  /** A task that crashed the worker before runs alone, so a second crash cannot be blamed on a bystander. */
  private isolatingTask = false;
  private nextTaskId = 1;
  private readonly log: (level: LogLevel, message: string) => void;

  private constructor(
    private readonly model: OpenModelOptions | null,
    private readonly launcher: WorkerLauncher,
    private readonly options: WorkerSupervisorOptions,
  ) {
    this.log =
      options.onLog ??
      ((level, message) => {
        if (level === 'warn' || level === 'error') console.error(`skiptag worker: ${message}`);
      });
    this.tracker = new WorkTracker({
      maxCrashesPerFile: MAX_CRASHES_PER_FILE,
      maxUnexplainedRestarts: options.maxRestarts ?? 10,
      crashedResult: (item, reason) => this.crashedResult(item, reason),
    });
  }

  /** Starts a worker (and opens the model, if any); rejects with the worker's reason when it cannot. */
  static async start(options: WorkerSupervisorOptions = {}): Promise<WorkerSupervisor> {
    const supervisor = await WorkerSupervisor.begin(options);
    await supervisor.opened;
    return supervisor;
  }

  /**
   * Starts a worker and returns at once, while it loads and opens the model: photos given to classify()
   * meanwhile go to the worker with the model, and it decodes them while the model opens (when an earlier
   * run noted the model's input size). `opened` tells when the model is open, or why it cannot be; then
   * pending and later calls fail with that reason.
   */
  static async begin(options: WorkerSupervisorOptions = {}): Promise<WorkerSupervisor> {
    // Validated here, so a bad setting fails in the caller's stack rather than as a worker `fatal`.
    const model = options.model ? parseOpenOptions(options.model) : null;
    const launcher =
      options.launcher ?? forkLauncher(options.entry ?? (await resolveWorkerEntry()), options.env);
    const supervisor = new WorkerSupervisor(model, launcher, options);
    supervisor.opening = supervisor.launch().catch((error: unknown) => {
      const reason = error instanceof Error ? error : new Error(String(error));
      supervisor.openError = reason;
      supervisor.tracker.failAll(reason);
      supervisor.failTasks(reason);
      throw reason;
    });
    // Settled through `opened` by the caller, or through the calls that fail with it.
    supervisor.opening.catch(() => undefined);
    return supervisor;
  }

  /** Resolves once the first worker is ready with its model open; rejects with the reason it cannot be. */
  get opened(): Promise<void> {
    return this.opening;
  }

  /** What the worker reported when it (last) opened the model. */
  get ready(): WorkerReadyInfo {
    if (!this.info) throw new Error(this.model ? 'the worker is not ready' : 'this worker has no model');
    return this.info;
  }

  /** When (performance.now() of this process) the first worker started, opened the model, got its first photo. */
  get timeline(): Readonly<SupervisorTimeline> {
    return this.times;
  }

  /** What the worker reported when it (last) opened the model; null before it did (or with no model). */
  get readyInfo(): WorkerReadyInfo | null {
    return this.info;
  }

  get provider(): WorkerReadyInfo['provider'] {
    return this.ready.provider;
  }

  /** Times the worker was started again after dying. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Process id of the current worker, or null while there is none. */
  get pid(): number | null {
    return this.worker?.process.pid ?? null;
  }

  /**
   * Classifies files in the worker; onResult gets each one's result (calls run one at a time). When the worker
   * dies it is restarted and unfinished files are retried; a file that crashed it twice gets an `internal`
   * error result and is listed in `crashed`. Concurrent calls are fine: their files queue in the worker.
   */
  classify(items: readonly WorkItem[], onResult: OnWorkResult): Promise<ClassifyOutcome> {
    if (this.closing) return Promise.reject(new Error('the worker supervisor is closed'));
    if (this.openError) return Promise.reject(this.openError);
    if (!this.model) return Promise.reject(new Error('this worker has no model to classify with'));
    let outcome: Promise<ClassifyOutcome>;
    try {
      outcome = this.tracker.add(items, onResult);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    this.pump();
    return outcome;
  }

  /**
   * Runs one task (a render, a pixel hash) in the worker. Rejects with the file's FileError when it cannot
   * be read or decoded, and with an `internal` FileError when it crashed the worker twice.
   */
  task(task: WorkerTask): Promise<TaskValue> {
    if (this.closing) return Promise.reject(new Error('the worker supervisor is closed'));
    if (this.openError) return Promise.reject(this.openError);
    return new Promise<TaskValue>((resolve, reject) => {
      const id = this.nextTaskId++;
      this.tasks.set(id, { task, resolve, reject, crashes: 0, inFlight: false });
      this.taskQueue.push(id);
      this.pump();
    });
  }

  /** Asks the worker to close the model and exit; kills it when it does not within closeTimeoutMs. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private get hasLiveWork(): boolean {
    return this.tracker.hasLiveWork || this.tasks.size > 0;
  }

  private async shutdown(): Promise<void> {
    const closed = new Error('the worker supervisor was closed');
    this.tracker.failAll(closed);
    this.failTasks(closed);
    const worker = this.worker;
    if (!worker) return;
    this.post(worker, { type: 'shutdown' });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.closeTimeoutMs ?? 5000);
    });
    if ((await Promise.race([worker.process.exited, timeout])) === 'timeout') worker.process.kill('SIGKILL');
    clearTimeout(timer);
    await worker.process.exited;
  }

  /** Starts a worker: resolves once it said hello (and opened the model); rejects on `fatal`, a bad message or an early exit. */
  private launch(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let fatal: string | null = null;
      let refused = false;
      const worker: Worker = {
        process: this.launcher.launch(),
        phase: 'starting',
        ended: false,
        early: false,
      };
      const refuse = (error: Error) => {
        refused = true;
        worker.process.kill('SIGKILL');
        reject(error);
      };
      worker.process.transport.onMessage((raw) => {
        if (worker.ended) return;
        let message: FromWorker;
        try {
          message = parseFromWorker(raw);
        } catch (error) {
          if (worker.phase === 'ready') this.protocolError(worker, (error as Error).message);
          else refuse(error as Error);
          return;
        }
        if (message.type === 'log') return this.log(message.level, message.message);
        if (worker.phase === 'ready') return this.onMessage(worker, message);
        if (worker.phase === 'starting' && message.type === 'hello') {
          if (this.model) {
            worker.phase = 'opening';
            this.post(worker, { type: 'open', ...this.model });
            this.pump();
            return;
          }
        } else if (worker.phase === 'opening' && message.type === 'started' && worker.early) {
          // A photo sent ahead is being decoded while the model opens.
          if (!this.tracker.started(message.id))
            refuse(new WorkerProtocolError(`"started" for unknown file ${message.id}`));
          this.times.firstDecodeAt ??= performance.now();
          return;
        } else if (worker.phase === 'opening' && message.type === 'ready') {
          const { type: _type, ...info } = message;
          if (!this.info) {
            this.times.openedAt = performance.now();
            this.options.onOpened?.(info);
          }
          this.info = info;
        } else if (message.type === 'fatal') {
          fatal = message.message;
          reject(new Error(message.message));
          return;
        } else {
          refuse(new WorkerProtocolError(`worker sent "${message.type}" before it was ready`));
          return;
        }
        worker.phase = 'ready';
        resolve();
        this.pump();
      });
      void worker.process.exited.then((exit) => {
        worker.ended = true;
        if (this.worker === worker) this.worker = null;
        if (worker.phase !== 'ready' && worker.early && fatal === null && !refused && !this.closing) {
          // It died decoding photos while opening the model: either may be the cause. Nothing is blamed;
          // the photos go back and the next worker opens the model before it gets any.
          this.log(
            'warn',
            `worker process ended (${describeExit(exit)}) while opening the model with photos in flight; starting it again`,
          );
          this.earlyWork = false;
          this.tracker.requeueUnblamed();
          this.restartCount += 1;
          resolve(this.launch());
        } else if (worker.phase !== 'ready') {
          reject(new Error(fatal ?? `the worker process ended (${describeExit(exit)}) before it was ready`));
        } else this.onLost(describeExit(exit));
      });
      this.worker = worker;
    });
  }

  private post(worker: Worker, message: ToWorker): void {
    // On a closed link the exit report follows and requeues what was sent.
    worker.process.transport.send(message).catch(() => undefined);
  }

  private onMessage(worker: Worker, message: FromWorker): void {
    switch (message.type) {
      case 'started':
        if (!this.tracker.started(message.id))
          this.protocolError(worker, `"started" for unknown file ${message.id}`);
        this.times.firstDecodeAt ??= performance.now();
        return;
      case 'result':
        if (!this.tracker.completed(message.id, message.result)) {
          this.protocolError(worker, `"result" for unknown file ${message.id}`);
        }
        this.pump();
        return;
      case 'task-done':
      case 'task-failed': {
        const task = this.tasks.get(message.id);
        if (!task?.inFlight)
          return this.protocolError(worker, `"${message.type}" for unknown task ${message.id}`);
        this.tasks.delete(message.id);
        if (task.crashes > 0) this.isolatingTask = false;
        if (message.type === 'task-done') task.resolve(message.value);
        else task.reject(new FileError(message.code, message.message));
        this.pump();
        return;
      }
      case 'batch-done':
      case 'log':
        return;
      case 'fatal': {
        // The worker exits next; its work fails with the reason rather than being retried into the same error.
        this.log('error', message.message);
        const error = new Error(`worker failed: ${message.message}`);
        this.tracker.failAll(error);
        this.failTasks(error);
        return;
      }
      case 'hello':
      case 'ready':
        this.protocolError(worker, `"${message.type}" sent twice`);
        return;
    }
  }

  private protocolError(worker: Worker, message: string): void {
    const error = new WorkerProtocolError(message);
    this.log('error', message);
    worker.process.kill('SIGKILL');
    this.tracker.failAll(error);
    this.failTasks(error);
  }

  /** The ready worker died: blame and requeue its work, then start a new one if there is work for it. */
  private onLost(reason: string): void {
    if (this.closing) return;
    const hadWork = this.tracker.lost(reason);
    const lostTasks = this.blameTasks(reason);
    if (hadWork || lostTasks || this.hasLiveWork) {
      this.log('warn', `worker process ended (${reason}) while working; restarting it`);
      this.restart();
    } else this.log('warn', `worker process ended (${reason}) while idle`);
  }

  /** Tasks in flight when the worker died are suspects: given up after MAX_CRASHES_PER_FILE, else run alone next. */
  private blameTasks(reason: string): boolean {
    let any = false;
    const suspects: number[] = [];
    for (const [id, task] of this.tasks) {
      if (!task.inFlight) continue;
      any = true;
      task.inFlight = false;
      task.crashes += 1;
      if (task.crashes >= MAX_CRASHES_PER_FILE) {
        this.tasks.delete(id);
        task.reject(new FileError('internal', `the decoder crashed on this file twice (${reason}); skipped`));
      } else suspects.push(id);
    }
    this.isolatingTask = false;
    this.taskQueue = [...suspects, ...this.taskQueue];
    return any;
  }

  /** Sends whatever may go now; starts a worker when there is work and none is running. */
  private pump(): void {
    if (this.closing) return;
    const worker = this.worker;
    if (!worker) {
      if (this.hasLiveWork) this.restart();
      return;
    }
    if (worker.phase === 'opening' && this.earlyWork && this.model) {
      this.sendWork(worker);
      return;
    }
    if (worker.phase !== 'ready') return;
    this.sendWork(worker);
    while (this.taskQueue.length > 0 && !this.isolatingTask) {
      const id = this.taskQueue[0] as number;
      const task = this.tasks.get(id);
      if (!task) {
        this.taskQueue.shift();
        continue;
      }
      if (task.crashes > 0) {
        if ([...this.tasks.values()].some((t) => t.inFlight)) break;
        this.isolatingTask = true;
      }
      this.taskQueue.shift();
      task.inFlight = true;
      this.post(worker, { type: 'task', id, task: task.task });
    }
  }

  /** Sends every file the tracker lets go now. */
  private sendWork(worker: Worker): void {
    for (;;) {
      const items = this.tracker.next();
      if (!items) break;
      if (worker.phase !== 'ready') worker.early = true;
      this.post(worker, { type: 'classify', items });
    }
  }

  private failTasks(error: Error): void {
    for (const task of this.tasks.values()) task.reject(error);
    this.tasks.clear();
    this.taskQueue = [];
    this.isolatingTask = false;
  }

  private restart(): void {
    if (this.restarting || this.closing) return;
    this.earlyWork = false;
    this.restartCount += 1;
    this.restarting = this.launch().then(
      () => {
        this.restarting = null;
      },
      (error: unknown) => {
        this.restarting = null;
        const reason = error instanceof Error ? error.message : String(error);
        const failure = new Error(`the worker process could not be restarted: ${reason}`);
        this.tracker.failAll(failure);
        this.failTasks(failure);
      },
    );
  }

  private crashedResult(item: WorkItem, reason: string): FileResult {
    return errorResult({
      path: item.display,
      code: 'internal',
      message: `the decoder crashed on this file twice (${reason}); skipped`,
      model: this.info?.modelName ?? '',
      provider: this.info?.provider ?? '',
    });
  }
}
