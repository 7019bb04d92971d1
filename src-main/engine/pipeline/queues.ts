// Queues that pace the classification pipeline (engine): a FIFO from decoding to batching, slots bounding memory, results put back in input order.

/** A minimal unbounded async FIFO: the decode stage pushes, the batching stage awaits. */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: ((value: IteratorResult<T>) => void)[] = [];
  private ended = false;

  push(item: T): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value: item, done: false });
    else this.items.push(item);
  }

  /** No more items will come; pending and future shifts past the end resolve as done. */
  end(): void {
    this.ended = true;
    for (const waiter of this.waiters.splice(0)) waiter({ value: undefined, done: true });
  }

  shift(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/** Counting semaphore that bounds how many images are decoded or waiting for inference at once. */
export class Slots {
  private free: number;
  private closed = false;
  private readonly waiters: (() => void)[] = [];

  constructor(count: number) {
    this.free = count;
  }

  /** Resolves when a slot is free, or at once after close(). */
  async acquire(): Promise<void> {
    if (this.closed) return;
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Wakes every waiter and stops limiting: used when the run ends early so the producer can finish. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  release(): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter();
    else this.free += 1;
  }

  /** Adds `count` slots (a limit learned late, such as a model's fixed batch size). */
  grow(count: number): void {
    for (let i = 0; i < count; i++) this.release();
  }
}

/** Re-orders results by input sequence number, so exports list files in the order they were found. */
export class OrderedEmitter<T> {
  private readonly waiting = new Map<number, T>();
  private next = 0;
  /** The emissions so far: puts may come from two flows at once (batches and failed decodes), emits never overlap. */
  private draining: Promise<void> = Promise.resolve();

  constructor(private readonly emit: (item: T) => Promise<void>) {}

  /**
   * Accepts item number `seq` (0-based, each exactly once) and emits every item that is now in order, one
   * emit at a time (an emit in progress finishes before the next starts, whoever put it).
   */
  async put(seq: number, item: T): Promise<void> {
    this.waiting.set(seq, item);
    const run = this.draining.then(async () => {
      for (
        let ready = this.waiting.get(this.next);
        ready !== undefined;
        ready = this.waiting.get(this.next)
      ) {
        this.waiting.delete(this.next);
        this.next += 1;
        await this.emit(ready);
      }
    });
    // The next put waits for this one's emits, failed or not; this put's caller sees its failure.
    this.draining = run.catch(() => undefined);
    await run;
  }

  get pending(): number {
    return this.waiting.size;
  }
}
