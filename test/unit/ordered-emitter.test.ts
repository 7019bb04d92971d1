// Ordered emitter (test): items put out of order, from two flows at once, come out in order and one at a time.
import { describe, expect, it } from 'vitest';
import { OrderedEmitter } from '../../src-main/engine/pipeline/queues.js';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

describe('OrderedEmitter', () => {
  it('emits in sequence order, never two emits at once, whoever put the items', async () => {
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const emitter = new OrderedEmitter<number>(async (n) => {
      running += 1;
      most = Math.max(most, running);
      log.push(`start ${n}`);
      await tick();
      log.push(`end ${n}`);
      running -= 1;
    });
    // One flow puts 1 and 0 (0 releases both); while 0 and 1 are being emitted, another flow puts 2.
    const first = Promise.all([emitter.put(1, 1), emitter.put(0, 0)]);
    await Promise.resolve();
    const second = emitter.put(2, 2);
    await Promise.all([first, second]);
    expect(most).toBe(1);
    expect(log).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
    expect(emitter.pending).toBe(0);
  });

  it('reports a failed emit to the put that caused it, and later items still go out', async () => {
    const out: number[] = [];
    const emitter = new OrderedEmitter<number>(async (n) => {
      if (n === 1) throw new Error('disk full');
      out.push(n);
    });
    await emitter.put(0, 0);
    await expect(emitter.put(1, 1)).rejects.toThrow('disk full');
    await emitter.put(2, 2);
    expect(out).toEqual([0, 2]);
  });
});
