// Re-orders results by input sequence number (engine) so exports list files in the order they were found.

export class OrderedEmitter<T> {
  private readonly waiting = new Map<number, T>();
  private next = 0;

  constructor(private readonly emit: (item: T) => Promise<void>) {}

  /** Accepts item number `seq` (0-based, each exactly once) and emits every item that is now in order. */
  async put(seq: number, item: T): Promise<void> {
    this.waiting.set(seq, item);
    for (let ready = this.waiting.get(this.next); ready !== undefined; ready = this.waiting.get(this.next)) {
      this.waiting.delete(this.next);
      this.next += 1;
      await this.emit(ready);
    }
  }

  get pending(): number {
    return this.waiting.size;
  }
}
