// Speed before download (test): a catalogue model's network rebuilt and timed on this CPU, remembered, asked once at a time.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SPEED_CACHE_FILE,
  speedBeforeDownload,
  syntheticTwin,
} from '../../src-main/engine/doctor/speed-before-download.js';

let cacheDir: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-speed-'));
});

afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

const resnet18 = { id: 'resnet18-v1-7', precision: 'fp32' as const };

describe('speed before download', () => {
  it('rebuilds the fp32 ResNet-18 and -50 of the catalogue, and no other', () => {
    expect(syntheticTwin(resnet18)).toBe('resnet18');
    expect(syntheticTwin({ id: 'resnet50-v2-7', precision: 'fp32' })).toBe('resnet50');
    expect(syntheticTwin({ id: 'resnet50-v1-12-int8', precision: 'int8' })).toBeNull();
    expect(syntheticTwin({ id: 'resnet101-v2-7', precision: 'fp32' })).toBeNull();
  });

  it('times the network once for two requests at the same moment, and remembers the answer', async () => {
    const options = { cacheDir, threads: 1, seconds: 0.5 };
    const [a, b] = await Promise.all([
      speedBeforeDownload(resnet18, options),
      speedBeforeDownload(resnet18, options),
    ]);
    expect(a.note).toBeNull();
    expect(a.imagesPerSecond).toBeGreaterThan(0);
    expect(b).toEqual(a);
    // The remembered rate is what the next request answers (changed here, so it cannot be a new timing).
    const file = path.join(cacheDir, SPEED_CACHE_FILE);
    const stored = JSON.parse(await readFile(file, 'utf8')) as {
      version: number;
      value: Record<string, { imagesPerSecond: number; at: number }>;
    };
    const keys = Object.keys(stored.value);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^resnet18\|1\|/);
    const key = keys[0] as string;
    expect(stored.value[key]?.imagesPerSecond).toBe(a.imagesPerSecond);
    stored.value[key] = { imagesPerSecond: 12345, at: Date.now() };
    await writeFile(file, JSON.stringify(stored));
    expect(await speedBeforeDownload(resnet18, options)).toEqual({ imagesPerSecond: 12345, note: null });
    // An answer older than a month is timed again.
    stored.value[key] = { imagesPerSecond: 12345, at: Date.now() - 40 * 24 * 3600 * 1000 };
    await writeFile(file, JSON.stringify(stored));
    const again = await speedBeforeDownload(resnet18, options);
    expect(again.imagesPerSecond).not.toBe(12345);
    expect(again.imagesPerSecond).toBeGreaterThan(0);
  }, 120_000);

  it('says why a model cannot be timed before download', async () => {
    const answer = await speedBeforeDownload(
      { id: 'resnet50-v1-12-int8', precision: 'int8' },
      { cacheDir: null, threads: 1, seconds: 0.5 },
    );
    expect(answer.imagesPerSecond).toBeNull();
    expect(answer.note).toMatch(/^not timed before download: /);
  });
});
