// Crash-aware bookkeeping of classify calls (service process, CLI): which files are queued, in the worker, started, blamed, done.

import type { FileResult } from '../../shared/results.js';

export interface WorkItem {
  /** The caller's key; unique among the files in progress. */
  id: number;
  path: Buffer;
  display: string;
}

export type OnWorkResult = (id: number, result: FileResult) => void | Promise<void>;

export interface ClassifyOutcome {
  /** Files that crashed the worker twice; they got a synthetic `internal` error result. */
  crashed: number[];
}

export interface WorkTrackerOptions {
  /** Crashes blamed on one file before it is given up (default 2). */
  maxCrashesPerFile: number;
  /** Crashes blamed on no file that one classify call tolerates before it fails. */
  maxUnexplainedRestarts: number;
  /** The result recorded for a file given up after crashing the worker; `reason` names the last signal. */
  crashedResult: (item: WorkItem, reason: string) => FileResult;
}

interface Call {
  onResult: OnWorkResult;
  remaining: number;
  crashed: number[];
  unexplained: number;
  /** onResult calls run one after another, in arrival order. */
  chain: Promise<void>;
  settled: boolean;
  resolve: (outcome: ClassifyOutcome) => void;
  reject: (error: Error) => void;
}

interface Tracked {
  item: WorkItem;
  call: Call;
  crashes: number;
  inFlight: boolean;
  started: boolean;
}

/** Files sent together; an isolated unit holds one suspect and runs with nothing else in the worker. */
interface Unit {
  ids: number[];
  isolated: boolean;
}

export class WorkTracker {
  private readonly tracked = new Map<number, Tracked>();
  private readonly inFlight = new Set<number>();
  private queue: Unit[] = [];
  private isolating = false;

  constructor(private readonly options: WorkTrackerOptions) {}

  /** Registers a classify call; resolves when every file has a result and onResult has returned for each. */
  add(items: readonly WorkItem[], onResult: OnWorkResult): Promise<ClassifyOutcome> {
    const ids = new Set<number>();
    for (const { id, path } of items) {
      if (!(path instanceof Uint8Array))
        throw new TypeError(`file ${id}: the path must be a Buffer of bytes`);
      if (!Number.isSafeInteger(id) || id < 0)
        throw new TypeError(`file id ${id} is not a non-negative integer`);
      if (ids.has(id) || this.tracked.has(id))
        throw new TypeError(`file id ${id} is already being classified`);
      ids.add(id);
    }
    return new Promise<ClassifyOutcome>((resolve, reject) => {
      const call: Call = {
        onResult,
        remaining: items.length,
        crashed: [],
        unexplained: 0,
        chain: Promise.resolve(),
        settled: false,
        resolve,
        reject,
      };
      if (items.length === 0) {
        resolve({ crashed: [] });
        return;
      }
      for (const item of items) {
        this.tracked.set(item.id, { item, call, crashes: 0, inFlight: false, started: false });
      }
      this.queue.push({ ids: [...ids], isolated: false });
    });
  }

  /** Whether a classify call is still waiting for files. */
  get hasLiveWork(): boolean {
    for (const t of this.tracked.values()) if (!t.call.settled) return true;
    return false;
  }

  /** The next files to send to the worker, or null when nothing may be sent now; they count as in flight. */
  next(): WorkItem[] | null {
    while (!this.isolating) {
      const unit = this.queue[0];
      if (!unit) return null;
      // A suspect runs alone so that, if the worker dies, there is no doubt which file did it.
      if (unit.isolated && this.inFlight.size > 0) return null;
      this.queue.shift();
      const batch: Tracked[] = [];
      for (const id of unit.ids) {
        const t = this.tracked.get(id);
        if (t && !t.call.settled && !t.inFlight) batch.push(t);
      }
      if (batch.length === 0) continue;
      for (const t of batch) {
        t.inFlight = true;
        t.started = false;
        this.inFlight.add(t.item.id);
      }
      this.isolating = unit.isolated;
      return batch.map((t) => t.item);
    }
    return null;
  }

  /** The worker is about to decode `id`; false when it is not in flight (a protocol error). */
  started(id: number): boolean {
    const t = this.tracked.get(id);
    if (!t?.inFlight) return false;
    t.started = true;
    return true;
  }

  /** The worker's result for `id`; false when it is not in flight (a protocol error). */
  completed(id: number, result: FileResult): boolean {
    const t = this.tracked.get(id);
    if (!t?.inFlight) return false;
    this.leaveFlight(t);
    this.finish(t, result, false);
    return true;
  }

  /**
   * The worker died (`reason`, e.g. "SIGSEGV"). Files it had started and not finished are blamed; one blamed
   * `maxCrashesPerFile` times is given up with a synthetic result. Unstarted files go back to the front of the
   * queue as one batch, blamed ones after them one at a time. Returns whether live work was in flight.
   */
  lost(reason: string): boolean {
    const unfinished = [...this.inFlight].flatMap((id) => this.tracked.get(id) ?? []);
    this.inFlight.clear();
    this.isolating = false;
    let blamed = unfinished.filter((t) => t.started);
    // A lone file is the culprit even if the crash beat its `started` message.
    if (blamed.length === 0 && unfinished.length === 1) blamed = unfinished;
    for (const t of unfinished) {
      t.inFlight = false;
      t.started = false;
    }
    for (const t of blamed) t.crashes += 1;
    const live = unfinished.filter((t) => !t.call.settled);
    if (blamed.length === 0) {
      for (const call of new Set(live.map((t) => t.call))) {
        call.unexplained += 1;
        if (call.unexplained > this.options.maxUnexplainedRestarts) {
          this.failCall(
            call,
            new Error(
              `the worker process died ${call.unexplained} time${call.unexplained === 1 ? '' : 's'} with no file to blame (${reason}); giving up`,
            ),
          );
        }
      }
    }
    const fresh: number[] = [];
    const suspects: Unit[] = [];
    for (const t of unfinished) {
      if (t.call.settled) this.tracked.delete(t.item.id);
      else if (t.crashes >= this.options.maxCrashesPerFile) {
        this.finish(t, this.options.crashedResult(t.item, reason), true);
      } else if (t.crashes > 0) suspects.push({ ids: [t.item.id], isolated: true });
      else fresh.push(t.item.id);
    }
    this.queue.unshift(...(fresh.length > 0 ? [{ ids: fresh, isolated: false }] : []), ...suspects);
    return live.length > 0;
  }

  /**
   * The worker died where no file can be blamed for certain (while it opened its model): everything it
   * had goes back to the front of the queue as not started, with no crash counted against it.
   */
  requeueUnblamed(): void {
    const ids: number[] = [];
    for (const id of this.inFlight) {
      const t = this.tracked.get(id);
      if (!t) continue;
      t.inFlight = false;
      t.started = false;
      if (t.call.settled) this.tracked.delete(id);
      else ids.push(id);
    }
    this.inFlight.clear();
    this.isolating = false;
    if (ids.length > 0) this.queue.unshift({ ids, isolated: false });
  }

  /** Fails every unfinished call (worker unusable, supervisor closed). */
  failAll(error: Error): void {
    const calls = new Set([...this.tracked.values()].map((t) => t.call));
    for (const call of calls) this.failCall(call, error);
    this.queue = [];
  }

  private leaveFlight(t: Tracked): void {
    t.inFlight = false;
    this.inFlight.delete(t.item.id);
    if (this.inFlight.size === 0) this.isolating = false;
  }

  private finish(t: Tracked, result: FileResult, crashed: boolean): void {
    this.tracked.delete(t.item.id);
    const { call } = t;
    if (call.settled) return;
    call.remaining -= 1;
    if (crashed) call.crashed.push(t.item.id);
    const id = t.item.id;
    call.chain = call.chain
      .then(() => (call.settled ? undefined : call.onResult(id, result)))
      .catch((error: unknown) =>
        this.failCall(call, error instanceof Error ? error : new Error(String(error))),
      );
    if (call.remaining === 0) {
      void call.chain.then(() => {
        if (call.settled) return;
        call.settled = true;
        call.resolve({ crashed: call.crashed });
      });
    }
  }

  private failCall(call: Call, error: Error): void {
    if (call.settled) return;
    call.settled = true;
    call.reject(error);
    // Files still in the worker stay tracked until their result or the crash report arrives, then are dropped.
    for (const [id, t] of this.tracked) if (t.call === call && !t.inFlight) this.tracked.delete(id);
  }
}
