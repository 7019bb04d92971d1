// Engine supervisor (parent): runs decoding and inference in a child process, restarts it after a crash and isolates the file that caused it.

import {
  EngineContractError,
  parseOpenOptions,
  type ChildMessage,
  type EngineOpenOptions,
  type EngineReadyInfo,
  type LogLevel,
} from '../../shared/worker-protocol.js';
import { errorResult, type FileResult } from '../../shared/results.js';
import { describeExit, EngineChildHandle } from './child-handle.js';
import { resolveEngineChildEntry } from './child-entry.js';
import type { EngineChildLauncher } from './child-launcher.js';
import { forkLauncher } from './fork-launcher.js';
import {
  WorkTracker,
  type ClassifyOutcome,
  type EngineWorkItem,
  type OnEngineResult,
} from './work-tracker.js';

export type { ClassifyOutcome, EngineWorkItem, OnEngineResult } from './work-tracker.js';

export interface EngineSupervisorOptions {
  /** How children are started; default: child_process.fork of childEntry with env (fork-launcher.ts). */
  launcher?: EngineChildLauncher;
  /** JavaScript entry of the child for the default launcher; default: engine-child.js (see child-entry.ts). */
  childEntry?: string;
  /** The child's environment for the default launcher; default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Crashes blamed on no file (nothing was being decoded) that one classify call tolerates; default 10. */
  maxRestarts?: number;
  /** How long close() waits for a graceful exit before killing the child; default 5000 ms. */
  closeTimeoutMs?: number;
  /** The child's log lines and the supervisor's own notes; default: warnings and errors to stderr. */
  onLog?: (level: LogLevel, message: string) => void;
}

/** A file given up on after crashing the engine this many times. */
const MAX_CRASHES_PER_FILE = 2;

export class EngineSupervisor {
  private child: EngineChildHandle | null = null;
  private info: EngineReadyInfo | null = null;
  private restarting: Promise<void> | null = null;
  private restartCount = 0;
  private closing: Promise<void> | null = null;
  private readonly tracker: WorkTracker;
  private readonly log: (level: LogLevel, message: string) => void;

  private constructor(
    private readonly openOptions: EngineOpenOptions,
    private readonly launcher: EngineChildLauncher,
    private readonly options: EngineSupervisorOptions,
  ) {
    this.log =
      options.onLog ??
      ((level, message) => {
        if (level === 'warn' || level === 'error') console.error(`skiptag engine: ${message}`);
      });
    this.tracker = new WorkTracker({
      maxCrashesPerFile: MAX_CRASHES_PER_FILE,
      maxUnexplainedRestarts: options.maxRestarts ?? 10,
      crashedResult: (item, reason) => this.crashedResult(item, reason),
    });
  }

  /** Starts the engine process and opens the model; rejects with the child's reason when it cannot. */
  static async start(
    openOptions: EngineOpenOptions,
    options: EngineSupervisorOptions = {},
  ): Promise<EngineSupervisor> {
    // Validate here too, so a bad setting fails in the caller's stack rather than as a child `fatal`.
    const checked = parseOpenOptions(openOptions);
    const launcher =
      options.launcher ?? forkLauncher(options.childEntry ?? (await resolveEngineChildEntry()), options.env);
    const supervisor = new EngineSupervisor(checked, launcher, options);
    await supervisor.launch();
    return supervisor;
  }

  /** What the engine reported when it (last) became ready. */
  get ready(): EngineReadyInfo {
    if (!this.info) throw new Error('the engine is not ready');
    return this.info;
  }

  get provider(): EngineReadyInfo['provider'] {
    return this.ready.provider;
  }

  /** Times the child was started again after dying. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Process id of the current child, or null while there is none. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /**
   * Classifies files in the engine process; onResult gets each one's result (calls run one at a time). When the
   * child dies, it is restarted and unfinished files are retried; a file that crashed it twice gets an `internal`
   * error result and is listed in `crashed`. Concurrent calls are fine: their files queue in the engine.
   */
  classify(items: readonly EngineWorkItem[], onResult: OnEngineResult): Promise<ClassifyOutcome> {
    if (this.closing) return Promise.reject(new Error('the engine supervisor is closed'));
    let outcome: Promise<ClassifyOutcome>;
    try {
      outcome = this.tracker.add(items, onResult);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    this.pump();
    return outcome;
  }

  /** Asks the child to close the model and exit; kills it when it does not within closeTimeoutMs. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.tracker.failAll(new Error('the engine supervisor was closed'));
    const child = this.child;
    if (!child) return;
    child.send({ type: 'shutdown' });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.closeTimeoutMs ?? 5000);
    });
    if ((await Promise.race([child.ended, timeout])) === 'timeout') child.kill('SIGKILL');
    clearTimeout(timer);
    await child.ended;
  }

  /** Starts a child and opens the model; resolves on `ready`, rejects on `fatal`, a bad message or an early exit. */
  private launch(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let fatal: string | null = null;
      const child = EngineChildHandle.launch(this.launcher, {
        message: (message) => {
          if (child.ready) {
            this.onMessage(child, message);
          } else if (message.type === 'ready') {
            const { type: _type, ...info } = message;
            this.info = info;
            child.ready = true;
            resolve();
            this.pump();
          } else if (message.type === 'fatal') {
            fatal = message.message;
            reject(new Error(message.message));
          } else if (message.type === 'log') {
            this.log(message.level, message.message);
          } else {
            child.kill();
            reject(new EngineContractError(`engine sent "${message.type}" before "ready"`));
          }
        },
        invalid: (error) => {
          child.kill();
          if (child.ready) this.tracker.failAll(error);
          else reject(error);
        },
        exit: (exit) => {
          if (this.child === child) this.child = null;
          if (!child.ready) {
            reject(
              new Error(fatal ?? `the engine process ended (${describeExit(exit)}) before it was ready`),
            );
          } else this.onLost(describeExit(exit));
        },
      });
      this.child = child;
      child.send({ type: 'open', ...this.openOptions });
    });
  }

  private onMessage(child: EngineChildHandle, message: ChildMessage): void {
    switch (message.type) {
      case 'started':
        if (!this.tracker.started(message.id))
          this.protocolError(child, `"started" for unknown file ${message.id}`);
        return;
      case 'result':
        if (!this.tracker.completed(message.id, message.result)) {
          this.protocolError(child, `"result" for unknown file ${message.id}`);
        }
        this.pump();
        return;
      case 'batch-done':
        return;
      case 'log':
        this.log(message.level, message.message);
        return;
      case 'fatal':
        // The child exits next; its files fail with the reason rather than being retried into the same error.
        this.log('error', message.message);
        this.tracker.failAll(new Error(`engine failed: ${message.message}`));
        return;
      case 'ready':
        this.protocolError(child, '"ready" sent twice');
        return;
    }
  }

  private protocolError(child: EngineChildHandle, message: string): void {
    const error = new EngineContractError(message);
    this.log('error', message);
    child.kill();
    this.tracker.failAll(error);
  }

  /** The ready child died: blame and requeue its files, then start a new one if there is work for it. */
  private onLost(reason: string): void {
    if (this.closing) return;
    const hadWork = this.tracker.lost(reason);
    if (hadWork || this.tracker.hasLiveWork) {
      this.log('warn', `engine process ended (${reason}) while classifying; restarting it`);
      this.restart();
    } else this.log('warn', `engine process ended (${reason}) while idle`);
  }

  /** Sends whatever may go now; starts a child when there is work and none is running. */
  private pump(): void {
    if (this.closing) return;
    const child = this.child;
    if (!child) {
      if (this.tracker.hasLiveWork) this.restart();
      return;
    }
    if (!child.ready) return;
    for (;;) {
      const items = this.tracker.next();
      if (!items) return;
      // On a closed channel the exit report follows and requeues these files.
      if (!child.send({ type: 'classify', items })) return;
    }
  }

  private restart(): void {
    if (this.restarting || this.closing) return;
    this.restartCount += 1;
    this.restarting = this.launch().then(
      () => {
        this.restarting = null;
      },
      (error: unknown) => {
        this.restarting = null;
        const reason = error instanceof Error ? error.message : String(error);
        this.tracker.failAll(new Error(`the engine process could not be restarted: ${reason}`));
      },
    );
  }

  private crashedResult(item: EngineWorkItem, reason: string): FileResult {
    return errorResult({
      path: item.display,
      code: 'internal',
      message: `the decoder crashed on this file twice (${reason}); skipped`,
      model: this.info?.modelName ?? '',
      provider: this.info?.provider ?? '',
    });
  }
}
