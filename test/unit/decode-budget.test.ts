// Unit tests (worker process code) for the decode memory budget: grants in order, never over the limit but for one, and the header-based estimate.
import type { Metadata } from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeMemoryBytes, type Release } from '../../src-main/engine/imaging/preprocess.js';
import { type BudgetEvent, DecodeBudget } from '../../src-main/engine/pipeline/decode-budget.js';

/** Lets every settled promise run its continuations. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('DecodeBudget', () => {
  it('grants what fits, in order, and a request larger than the whole budget only alone', async () => {
    const events: BudgetEvent[] = [];
    const budget = new DecodeBudget(10, (e) => events.push(e));
    const granted = new Map<string, Release>();
    const ask = (file: string, bytes: number) =>
      void budget.acquire(bytes, file).then((release) => granted.set(file, release));

    ask('a', 4);
    ask('b', 4);
    ask('c', 4); // 12 > 10: waits
    ask('d', 1); // would fit, but waits behind c: no overtaking
    await settle();
    expect([...granted.keys()]).toEqual(['a', 'b']);
    expect(budget.bytesInUse).toBe(8);

    granted.get('a')?.();
    await settle();
    expect([...granted.keys()]).toEqual(['a', 'b', 'c', 'd']);
    expect(budget.bytesInUse).toBe(9);

    ask('huge', 25);
    ask('after', 1);
    await settle();
    expect(granted.has('huge')).toBe(false);
    for (const file of ['b', 'c', 'd']) granted.get(file)?.();
    await settle();
    // Alone, the huge one goes; what comes after waits for it.
    expect(granted.has('huge')).toBe(true);
    expect(granted.has('after')).toBe(false);
    granted.get('huge')?.();
    granted.get('huge')?.(); // a second call releases nothing more
    await settle();
    expect(granted.has('after')).toBe(true);
    granted.get('after')?.();
    expect(budget.bytesInUse).toBe(0);
    expect(events.filter((e) => e.kind === 'budget-acquire').map((e) => e.file)).toEqual([
      'a',
      'b',
      'c',
      'd',
      'huge',
      'after',
    ]);
    expect(events.filter((e) => e.kind === 'budget-release')).toHaveLength(6);
    expect(() => new DecodeBudget(0)).toThrow(RangeError);
  });
});

describe('decodeMemoryBytes', () => {
  const meta = (patch: Partial<Metadata>) =>
    ({ format: 'png', width: 1000, height: 800, channels: 3, depth: 'uchar', ...patch }) as Metadata;

  it('counts the decoded pixels, with the shrink-on-load of a baseline JPEG', () => {
    expect(decodeMemoryBytes(meta({}), 256)).toBe(1000 * 800 * 3);
    expect(decodeMemoryBytes(meta({ channels: 4, depth: 'ushort' }), 256)).toBe(1000 * 800 * 4 * 2);
    expect(decodeMemoryBytes(meta({ width: 12_000, height: 12_000, isProgressive: true }), 256)).toBe(
      12_000 * 12_000 * 3,
    );
    // 4032×3024: 3024 / 512 ≈ 5.9, so libjpeg decodes at 1/4.
    expect(decodeMemoryBytes(meta({ format: 'jpeg', width: 4032, height: 3024 }), 256)).toBe(1008 * 756 * 3);
    // A progressive JPEG keeps coefficients for the whole image: no shrink counted.
    expect(
      decodeMemoryBytes(meta({ format: 'jpeg', width: 4032, height: 3024, isProgressive: true }), 256),
    ).toBe(4032 * 3024 * 3);
    expect(decodeMemoryBytes(meta({ format: 'jpeg', width: 600, height: 400 }), 256)).toBe(600 * 400 * 3);
  });
});
