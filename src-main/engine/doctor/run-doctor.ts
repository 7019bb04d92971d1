// `skiptag doctor` logic (engine): gathers machine and version facts, providers, library and models into one typed report.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { defaultThreads } from '../classify/classifier.js';
import type { ProviderName } from '../classify/providers.js';
import { bundledModelsDir } from '../models/locate-model.js';
import { buildResNet } from '../synth/resnet.js';
import { buildTinyResNet } from '../synth/tiny-resnet.js';
import type { DoctorReport, ProviderReport, SystemReport, VersionsReport } from './doctor-report.js';
import { benchmarkInt8, int8Advice } from './int8-advice.js';
import { measureModelSpeeds } from './model-speeds.js';
import { ALL_PROVIDERS, benchmarkProvider, checkProviderLoads, describe } from './provider-check.js';
import { libraryReport, modelsReport } from './storage-info.js';
import { findPackageRoot } from '../package-root.js';

export const DEFAULT_BENCH_SECONDS = 3;
export const BENCH_BATCH = 8;

export interface DoctorOptions {
  libraryPath: string;
  /** Installed-models folder (the configuration's models.dir). */
  modelsDir: string;
  /** The model asked for (--model or $SKIPTAG_MODEL, as `skiptag tag` would use); default null: the search. */
  model?: string | null;
  /** Bundled models folder; default the package's models/. */
  bundledDir?: string;
  /** Seconds of benchmark per provider that loads (ResNet-18), and per installed model on each; 0 skips them. */
  benchSeconds?: number;
  providers?: readonly ProviderName[];
  threads?: number;
  /** Progress for people ("benchmarking cpu …"); the checks take a few seconds each. */
  onProgress?: (message: string) => void;
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const benchSeconds = options.benchSeconds ?? DEFAULT_BENCH_SECONDS;
  const threads = options.threads ?? defaultThreads();
  const progress = options.onProgress ?? (() => undefined);
  const { modelsDir } = options;
  const bundledDir = options.bundledDir ?? (await bundledModelsDir());
  const work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-doctor-'));
  try {
    const providers = await checkProviders(options.providers ?? ALL_PROVIDERS, {
      work,
      threads,
      benchSeconds,
      progress,
    });
    const models = await modelsReport(modelsDir, bundledDir, options.model ?? null);
    const modelSpeeds =
      benchSeconds > 0
        ? await measureModelSpeeds(models.installed, models.defaultModel, providers, {
            seconds: benchSeconds,
            threads,
            batch: BENCH_BATCH,
            progress,
          })
        : [];
    return {
      generatedAt: new Date().toISOString(),
      system: systemReport(),
      versions: await versionsReport(),
      providers,
      library: await libraryReport(options.libraryPath),
      models,
      modelSpeeds,
      recommendation: await int8Advice(providers, models.defaultModel, modelsDir, modelSpeeds).catch(
        () => null,
      ),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

interface CheckContext {
  work: string;
  threads: number;
  benchSeconds: number;
  progress: (message: string) => void;
}

async function checkProviders(list: readonly ProviderName[], ctx: CheckContext): Promise<ProviderReport[]> {
  // A tiny ResNet (32x32, 10 classes) loads in milliseconds yet uses the same ops as the real models.
  const probe = path.join(ctx.work, 'probe-tiny-resnet.onnx');
  await writeFile(probe, buildTinyResNet(1));
  let benchModel: string | null = null;
  const reports: ProviderReport[] = [];
  for (const provider of list) {
    ctx.progress(`checking ${provider} …`);
    const load = await checkProviderLoads(provider, probe, ctx.threads);
    const report: ProviderReport = { provider, ...load, benchmark: null, benchmarkNote: null };
    if (!load.loads) report.benchmarkNote = 'not benchmarked: the provider does not load';
    else if (ctx.benchSeconds <= 0) report.benchmarkNote = 'benchmark skipped (--bench-seconds 0)';
    else {
      // Built once, only when some provider loads: ResNet-18 has the real cost (1.8 GFLOPs per image).
      benchModel ??= await writeResNet18(ctx.work);
      ctx.progress(`benchmarking ${provider}: ResNet-18, batch ${BENCH_BATCH}, ${ctx.benchSeconds}s …`);
      try {
        report.benchmark = await benchmarkProvider(provider, benchModel, {
          seconds: ctx.benchSeconds,
          threads: ctx.threads,
          batch: BENCH_BATCH,
        });
      } catch (error) {
        report.benchmarkNote = `benchmark failed: ${describe(error, benchModel)}`;
      }
      if (provider === 'cpu' && report.benchmark) {
        ctx.progress(
          `benchmarking cpu: ResNet-18 quantized to int8, batch ${BENCH_BATCH}, ${ctx.benchSeconds}s …`,
        );
        report.int8Benchmark = await benchmarkInt8(benchModel, ctx.work, {
          seconds: ctx.benchSeconds,
          threads: ctx.threads,
          batch: BENCH_BATCH,
        }).catch(() => null);
      }
    }
    reports.push(report);
  }
  return reports;
}

async function writeResNet18(dir: string): Promise<string> {
  const file = path.join(dir, 'bench-resnet18.onnx');
  await writeFile(file, buildResNet('resnet18'));
  return file;
}

function systemReport(): SystemReport {
  const cpus = os.cpus();
  return {
    platform: process.platform,
    release: os.release(),
    arch: process.arch,
    // Some virtual machines and containers report no CPU details at all.
    cpuModel: cpus[0]?.model.trim() || 'unknown',
    cpuCores: cpus.length,
    usableCores: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
  };
}

async function versionsReport(): Promise<VersionsReport> {
  return {
    skiptag: await skiptagVersion(),
    node: process.versions.node,
    onnxruntime: ort.env.versions.common,
    onnxruntimeNode: ort.env.versions.node ?? null,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
  };
}

async function skiptagVersion(): Promise<string | null> {
  try {
    const root = await findPackageRoot(import.meta.url);
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    // A repackaged app may not ship package.json where we look; the rest of the report still matters.
    return null;
  }
}
