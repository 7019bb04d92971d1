// Unit tests (engine process code) for the atomic file writer: commit, abort, failures, leftovers.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type * as FsPromises from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openAtomicWriter } from '../../src-main/engine/export/atomic-file.js';

// Lets a test make the writer's file writes fail (ENOSPC) without a full disk.
const failWrites = vi.hoisted(() => ({ on: false }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof FsPromises>();
  const open = async (...args: Parameters<typeof actual.open>): Promise<FileHandle> => {
    const handle = await actual.open(...args);
    const write = handle.write.bind(handle) as (...a: unknown[]) => Promise<unknown>;
    Object.defineProperty(handle, 'write', {
      value: (...a: unknown[]) =>
        failWrites.on
          ? Promise.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }))
          : write(...a),
    });
    return handle;
  };
  return { ...actual, open, default: { ...actual, open } };
});

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptag-atomic-'));
  failWrites.on = false;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openAtomicWriter', () => {
  it('writes the file on commit and leaves no temp file', async () => {
    const target = join(dir, 'out.csv');
    const writer = await openAtomicWriter(target);
    expect(writer.tempPath.startsWith(join(dir, '.out.csv.'))).toBe(true);
    expect(writer.tempPath.endsWith('.tmp')).toBe(true);
    await writer.write('héllo ');
    await writer.write('wörld ✓ 😀');
    await expect(readdir(dir)).resolves.toEqual([expect.stringMatching(/^\.out\.csv\.\d+\.[0-9a-f]+\.tmp$/)]);
    await writer.commit();
    await expect(readFile(target, 'utf8')).resolves.toBe('héllo wörld ✓ 😀');
    await expect(readdir(dir)).resolves.toEqual(['out.csv']);
  });

  it('streams output larger than its buffer', async () => {
    const target = join(dir, 'big.txt');
    const writer = await openAtomicWriter(target);
    const line = `${'x'.repeat(999)}\n`;
    for (let i = 0; i < 300; i += 1) await writer.write(line);
    await writer.commit();
    await expect(readFile(target, 'utf8')).resolves.toBe(line.repeat(300));
  });

  it('replaces an older target on commit', async () => {
    const target = join(dir, 'out.csv');
    await writeFile(target, 'old');
    const writer = await openAtomicWriter(target);
    await writer.write('new');
    await expect(readFile(target, 'utf8')).resolves.toBe('old');
    await writer.commit();
    await expect(readFile(target, 'utf8')).resolves.toBe('new');
  });

  it('keeps the older target and removes the temp file on abort', async () => {
    const target = join(dir, 'out.csv');
    await writeFile(target, 'old');
    const writer = await openAtomicWriter(target);
    await writer.write('x'.repeat(200_000));
    await writer.abort();
    await writer.abort();
    await expect(readFile(target, 'utf8')).resolves.toBe('old');
    await expect(readdir(dir)).resolves.toEqual(['out.csv']);
    await expect(writer.write('more')).rejects.toThrow(/already aborted/);
    await expect(writer.commit()).rejects.toThrow(/already aborted/);
  });

  it('leaves nothing behind when aborting a new file', async () => {
    const writer = await openAtomicWriter(join(dir, 'new.json'));
    await writer.write('partial');
    await writer.abort();
    await expect(readdir(dir)).resolves.toEqual([]);
  });

  it('keeps the older target when a write fails, and cleans up the temp file', async () => {
    const target = join(dir, 'out.csv');
    await writeFile(target, 'old');
    const writer = await openAtomicWriter(target);
    await writer.write('small');
    failWrites.on = true;
    await expect(writer.write('y'.repeat(100_000))).rejects.toThrow(/out\.csv.*ENOSPC/);
    failWrites.on = false;
    await expect(writer.commit()).rejects.toThrow(/earlier write failed/);
    await writer.abort();
    await expect(readFile(target, 'utf8')).resolves.toBe('old');
    await expect(readdir(dir)).resolves.toEqual(['out.csv']);
  });

  it('keeps the older target when the final flush fails on commit', async () => {
    const target = join(dir, 'out.csv');
    await writeFile(target, 'old');
    const writer = await openAtomicWriter(target);
    await writer.write('buffered');
    failWrites.on = true;
    await expect(writer.commit()).rejects.toThrow(/ENOSPC/);
    await expect(readFile(target, 'utf8')).resolves.toBe('old');
    await expect(readdir(dir)).resolves.toEqual(['out.csv']);
  });

  it('names the missing folder', async () => {
    const missing = join(dir, 'nope');
    await expect(openAtomicWriter(join(missing, 'out.csv'))).rejects.toThrow(
      `Cannot write "${join(missing, 'out.csv')}": folder "${missing}" does not exist`,
    );
  });

  it('refuses a target that is a folder', async () => {
    await expect(openAtomicWriter(dir)).rejects.toThrow(/is a folder/);
  });

  it('keeps temp names short for very long target names', async () => {
    const name = `${'é'.repeat(120)}.csv`; // 244 bytes
    const writer = await openAtomicWriter(join(dir, name));
    await writer.write('ok');
    await writer.commit();
    await expect(readFile(join(dir, name), 'utf8')).resolves.toBe('ok');
  });

  it('keeps call order for writes that are not awaited', async () => {
    const target = join(dir, 'order.txt');
    const writer = await openAtomicWriter(target);
    const parts = Array.from({ length: 50 }, (_, i) => `${i}:${'z'.repeat(5000)}\n`);
    await Promise.all([...parts.map((p) => writer.write(p)), writer.commit()]);
    await expect(readFile(target, 'utf8')).resolves.toBe(parts.join(''));
  });
});
