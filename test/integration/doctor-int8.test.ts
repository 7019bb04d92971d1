// Doctor int8 advice (test): int8 timed against fp32 on this CPU, and the int8 model recommended (or made) when no GPU works.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchmarkReport, ProviderReport } from '../../src-main/engine/doctor/doctor-report.js';
import { int8Advice } from '../../src-main/engine/doctor/int8-advice.js';
import { runDoctor } from '../../src-main/engine/doctor/run-doctor.js';
import { importModel } from '../../src-main/engine/models/import-model.js';
import { buildTinyResNet } from '../../src-main/engine/synth/tiny-resnet.js';
import { PHOTOS_DIR, runCli } from '../support/run-cli.js';

let dir: string;
let modelsDir: string;
let tinyPath: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-doctor-int8-'));
  modelsDir = path.join(dir, 'models');
  const tiny = path.join(dir, 'tiny.onnx');
  const labels = path.join(dir, 'tiny.txt');
  await writeFile(tiny, buildTinyResNet(1));
  await writeFile(labels, Array.from({ length: 10 }, (_, i) => `c${i}`).join('\n'));
  tinyPath = (await importModel({ file: tiny, name: 'tiny', modelsDir, labelsFile: labels })).modelPath;
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bench = (imagesPerSecond: number): BenchmarkReport => ({
  model: 'resnet18',
  batch: 8,
  inputSize: 224,
  threads: 2,
  images: 8,
  seconds: 1,
  imagesPerSecond,
});

const cpuOnly = (fp32: number, int8: number): ProviderReport[] => [
  {
    provider: 'cpu',
    available: true,
    loads: true,
    error: null,
    benchmark: bench(fp32),
    benchmarkNote: null,
    int8Benchmark: bench(int8),
  },
  {
    provider: 'webgpu',
    available: false,
    loads: false,
    error: 'no GPU',
    benchmark: null,
    benchmarkNote: null,
  },
];

describe('doctor: int8 on a CPU-only machine', () => {
  it('times the int8 ResNet-18 beside the fp32 one and advises from what it measured', async () => {
    const report = await runDoctor({
      libraryPath: path.join(dir, 'library.db'),
      modelsDir,
      bundledDir: path.join(dir, 'no-bundled'),
      model: 'tiny',
      providers: ['cpu'],
      benchSeconds: 1,
    });
    const cpu = report.providers.find((p) => p.provider === 'cpu');
    expect(cpu?.benchmark?.imagesPerSecond).toBeGreaterThan(0);
    expect(cpu?.int8Benchmark?.imagesPerSecond).toBeGreaterThan(0);
    const faster = (cpu?.int8Benchmark?.imagesPerSecond ?? 0) > (cpu?.benchmark?.imagesPerSecond ?? 0);
    // Whichever way this machine measured, the advice follows the numbers in the report.
    expect(report.recommendation).toContain(
      faster ? 'skiptag models quantize tiny --name tiny-int8' : 'stay with fp32',
    );
  }, 180_000);

  it('names an existing int8 copy with its measured accuracy cost, and says nothing when a GPU works', async () => {
    expect(await int8Advice(cpuOnly(10, 30), tinyPath, modelsDir)).toMatch(/Make an int8 copy of tiny/);
    const made = await runCli(
      ['models', 'quantize', 'tiny', '--name', 'tiny-int8', '--calibrate', PHOTOS_DIR],
      {
        SKIPTAG_MODELS_DIR: modelsDir,
      },
    );
    expect(made.code, made.stderr).toBe(0);
    const advice = await int8Advice(cpuOnly(10, 30), tinyPath, modelsDir);
    expect(advice).toContain('use the int8 copy "tiny-int8" of tiny (--model tiny-int8');
    expect(advice).toContain('3.0x');
    expect(advice).toMatch(/same top label \d+%, top-5 overlap \d+%, logit cosine >= (0\.9\d+|1\.0+)\./);
    // With both real models timed on this CPU, their rates instead of the ResNet-18 stand-in's.
    const timed = (model: string, imagesPerSecond: number) => ({
      model,
      provider: 'cpu' as const,
      imagesPerSecond,
      batch: 8,
      note: null,
    });
    expect(
      await int8Advice(cpuOnly(10, 30), tinyPath, modelsDir, [timed('tiny', 20), timed('tiny-int8', 70)]),
    ).toContain('(--model tiny-int8; measured here: tiny 20.0 images/s, tiny-int8 70.0 (3.5x))');
    expect(await int8Advice(cpuOnly(30, 10), tinyPath, modelsDir)).toContain('stay with fp32');
    const withGpu = cpuOnly(10, 30).map((p) =>
      p.provider === 'webgpu' ? { ...p, available: true, loads: true, error: null } : p,
    );
    expect(await int8Advice(withGpu, tinyPath, modelsDir)).toBeNull();
  });
});
