// How fast a catalogue model would tag here before it is downloaded (engine): its network rebuilt with synthetic weights, timed on the CPU, remembered per machine.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readCacheFile, writeCacheFile } from '../cache/cache-file.js';
import { buildResNet, type ResNetArch } from '../synth/resnet.js';
import { benchmarkProvider } from './provider-check.js';

export interface SpeedBeforeDownload {
  /** Images per second measured on this computer's CPU; null when not measured (note says why). */
  imagesPerSecond: number | null;
  note: string | null;
}

export interface SpeedOptions {
  /** Where the answer is remembered (null: measured every time). */
  cacheDir: string | null;
  threads: number;
  /** Seconds of timing after the warm-up batch. */
  seconds: number;
}

export const SPEED_CACHE_FILE = 'speed-before-download.json';
const VERSION = 1;
/** Measured again after this long: a new CPU governor, a BIOS update… and it only costs a few seconds. */
const MAX_AGE_MS = 30 * 24 * 3600 * 1000;

type Remembered = Record<string, { imagesPerSecond: number; at: number }>;

/**
 * The synthetic network with the same layers and cost as a catalogue model, or null. Why a synthetic one:
 * the weights are what is downloaded, but speed depends only on the layers, so the network built in code
 * (random weights) runs exactly as fast as the real one would. ResNet-18 and -50, fp32; the others are not
 * built in code, and int8 speed depends on how the file was quantized.
 */
export function syntheticTwin(entry: { id: string; precision: 'fp32' | 'int8' }): ResNetArch | null {
  if (entry.precision !== 'fp32') return null;
  if (/^resnet18-/.test(entry.id)) return 'resnet18';
  if (/^resnet50-/.test(entry.id)) return 'resnet50';
  return null;
}

// One measurement at a time per network: the first-run panel may ask twice while the first is running.
const running = new Map<string, Promise<SpeedBeforeDownload>>();

/** The CPU speed of the model's network on this computer: remembered, or built and timed now (a few seconds). */
export function speedBeforeDownload(
  entry: { id: string; precision: 'fp32' | 'int8' },
  options: SpeedOptions,
): Promise<SpeedBeforeDownload> {
  const arch = syntheticTwin(entry);
  if (arch === null) {
    return Promise.resolve({
      imagesPerSecond: null,
      note: 'not timed before download: only ResNet-18 and ResNet-50 (fp32) can be rebuilt here to time',
    });
  }
  // What the speed depends on: the network, the threads, the runtime and the processor.
  const key = [arch, options.threads, ort.env.versions.common, os.cpus()[0]?.model ?? '?', os.arch()].join(
    '|',
  );
  const pending = running.get(key) ?? measure(arch, key, options);
  running.set(key, pending);
  return pending.finally(() => running.delete(key));
}

async function measure(arch: ResNetArch, key: string, options: SpeedOptions): Promise<SpeedBeforeDownload> {
  const file = options.cacheDir ? path.join(options.cacheDir, SPEED_CACHE_FILE) : null;
  const remembered = (file ? await readCacheFile<Remembered>(file, VERSION) : null) ?? {};
  const known = remembered[key];
  if (known && Date.now() - known.at < MAX_AGE_MS)
    return { imagesPerSecond: known.imagesPerSecond, note: null };
  const work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-speed-'));
  try {
    const model = path.join(work, `${arch}.onnx`);
    await writeFile(model, buildResNet(arch));
    const bench = await benchmarkProvider('cpu', model, {
      seconds: options.seconds,
      threads: options.threads,
      batch: 8,
      label: arch,
    });
    if (file) {
      // Re-read: another window or process may have remembered another network meanwhile.
      const now = (await readCacheFile<Remembered>(file, VERSION)) ?? {};
      await writeCacheFile(file, VERSION, {
        ...now,
        [key]: { imagesPerSecond: bench.imagesPerSecond, at: Date.now() },
      });
    }
    return { imagesPerSecond: bench.imagesPerSecond, note: null };
  } catch (error) {
    return {
      imagesPerSecond: null,
      note: `could not be timed here: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
