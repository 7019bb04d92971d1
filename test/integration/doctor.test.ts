// Doctor engine tests (test): real provider load checks and a short benchmark, read-only library and models facts.
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasVulkanLoader,
  isCudaInstalled,
  providerUnavailableReason,
} from '../../src-main/engine/classify/providers.js';
import type { DoctorReport } from '../../src-main/engine/doctor/doctor-report.js';
import { measureModelSpeeds } from '../../src-main/engine/doctor/model-speeds.js';
import { checkProviderLoads } from '../../src-main/engine/doctor/provider-check.js';
import { runDoctor } from '../../src-main/engine/doctor/run-doctor.js';
import { openAtVersion } from '../../src-main/engine/library/migrations.js';
import { importModel } from '../../src-main/engine/models/import-model.js';
import { buildTinyResNet } from '../../src-main/engine/synth/tiny-resnet.js';

let dir: string;
let modelsDir: string;
let bundledDir: string;
let libraryPath: string;
let report: DoctorReport;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-doctor-'));
  modelsDir = path.join(dir, 'models');
  bundledDir = path.join(dir, 'bundled');
  libraryPath = path.join(dir, 'library.db');
  await mkdir(bundledDir);
  const tiny = path.join(dir, 'tiny.onnx');
  const labels = path.join(dir, 'tiny.txt');
  await writeFile(tiny, buildTinyResNet(1));
  await writeFile(labels, Array.from({ length: 10 }, (_, i) => `c${i}`).join('\n'));
  await importModel({ file: tiny, name: 'tiny', modelsDir, labelsFile: labels });
  await writeFile(path.join(bundledDir, 'resnet50-v2-7.onnx'), 'bundled stand-in');
  openAtVersion(libraryPath, 1).close();
  report = await runDoctor({ libraryPath, modelsDir, bundledDir, benchSeconds: 1, model: null });
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runDoctor', () => {
  it('reports the CPU provider as loading, with a ResNet-18 rate', () => {
    const cpu = report.providers.find((p) => p.provider === 'cpu');
    expect(cpu).toMatchObject({ available: true, loads: true, error: null });
    expect(cpu?.benchmark?.model).toBe('resnet18');
    expect(cpu?.benchmark?.batch).toBe(8);
    expect(cpu?.benchmark?.inputSize).toBe(224);
    expect(cpu?.benchmark?.images).toBeGreaterThanOrEqual(8);
    expect(cpu?.benchmark?.imagesPerSecond).toBeGreaterThan(0);
  });

  it('times each installed model on each provider that loads, and says why one cannot be timed', async () => {
    const working = report.providers.filter((p) => p.loads).map((p) => p.provider);
    const tiny = report.modelSpeeds.filter((s) => s.model === 'tiny');
    expect(tiny.map((s) => s.provider)).toEqual(working);
    expect(tiny[0]).toMatchObject({ provider: 'cpu', batch: 8, note: null });
    expect(tiny[0]?.imagesPerSecond).toBeGreaterThan(0);
    // A file that is not a model (the bundled stand-in, asked for with --model): a reason, no rate.
    const standIn = path.join(bundledDir, 'resnet50-v2-7.onnx');
    const speeds = await measureModelSpeeds([], standIn, report.providers.slice(0, 1), {
      seconds: 1,
      threads: 1,
      batch: 8,
      progress: () => undefined,
    });
    expect(speeds).toHaveLength(1);
    expect(speeds[0]).toMatchObject({ model: 'resnet50-v2-7', provider: 'cpu', imagesPerSecond: null });
    expect(speeds[0]?.note).toMatch(/^could not be timed: /);
    expect(speeds[0]?.note).not.toContain(standIn);
  });

  it('lists every provider and never claims one loads that cannot here', () => {
    expect(report.providers.map((p) => p.provider)).toEqual(['cpu', 'webgpu', 'cuda', 'dml', 'coreml']);
    for (const p of report.providers) {
      const reason = providerUnavailableReason(p.provider);
      if (reason !== null) {
        expect(p, p.provider).toMatchObject({
          available: false,
          loads: false,
          error: reason,
          benchmark: null,
        });
      }
      if (!p.loads) {
        expect(p.error, p.provider).toBeTruthy();
        expect(p.benchmark).toBeNull();
      }
    }
    const byName = new Map(report.providers.map((p) => [p.provider, p]));
    if (process.platform === 'linux') {
      expect(byName.get('dml')?.loads).toBe(false);
      expect(byName.get('coreml')?.loads).toBe(false);
      if (!isCudaInstalled()) expect(byName.get('cuda')?.error).toMatch(/not installed/);
      if (!hasVulkanLoader()) expect(byName.get('webgpu')?.error).toMatch(/Vulkan/);
    }
  });

  it('says a provider does not load when onnxruntime refuses it, even if the platform check passes', async () => {
    // DirectML passes the win32 platform check but onnxruntime-node cannot create it here.
    const probe = path.join(dir, 'probe.onnx');
    await writeFile(probe, buildTinyResNet(1));
    const check = await checkProviderLoads(
      process.platform === 'win32' ? 'coreml' : 'dml',
      probe,
      1,
      process.platform === 'win32' ? 'darwin' : 'win32',
    );
    expect(check.available).toBe(true);
    expect(check.loads).toBe(false);
    expect(check.error).toBeTruthy();
    expect(check.error).not.toContain(probe);
  });

  it('reports versions and the machine', () => {
    expect(report.versions.node).toBe(process.versions.node);
    expect(report.versions.onnxruntime).toMatch(/^1\.\d+/);
    expect(report.versions.onnxruntimeNode).toMatch(/^1\.\d+/);
    expect(report.versions.sharp).toMatch(/^\d+\.\d+/);
    expect(report.versions.libvips).toMatch(/^\d+\.\d+/);
    expect(report.system).toMatchObject({ platform: process.platform, arch: process.arch });
    expect(report.system.cpuCores).toBeGreaterThan(0);
  });

  it('reads the library size and schema version without opening it', async () => {
    const before = await stat(libraryPath);
    expect(report.library).toMatchObject({
      path: libraryPath,
      exists: true,
      sizeBytes: before.size,
      schemaVersion: 1,
    });
    expect(await readdir(dir)).not.toContain('library.db-wal');
    const missing = await runDoctor({
      libraryPath: path.join(dir, 'nowhere', 'library.db'),
      modelsDir: path.join(dir, 'no-models'),
      bundledDir: path.join(dir, 'no-bundled'),
      benchSeconds: 0,
      providers: ['cpu'],
      model: null,
    });
    expect(missing.library).toMatchObject({ exists: false, sizeBytes: null, schemaVersion: null });
    expect(missing.providers[0]?.benchmarkNote).toMatch(/skipped/);
    expect(missing.models).toMatchObject({
      dirExists: false,
      installed: [],
      bundled: [],
      defaultModel: null,
    });
    expect(missing.models.defaultModelError).toContain('No model found');
  });

  it('lists installed and bundled models and the default one', () => {
    expect(report.models.dir).toBe(modelsDir);
    expect(report.models.installed).toEqual([
      expect.objectContaining({
        name: 'tiny',
        source: 'imported',
        numClasses: 10,
        inputSize: [32, 32],
        labels: 'tiny.labels.txt',
      }),
    ]);
    expect(report.models.bundled).toEqual([expect.objectContaining({ name: 'resnet50-v2-7', source: null })]);
    // The installed folder is searched first.
    expect(report.models.defaultModel).toBe(path.join(modelsDir, 'tiny.onnx'));
  });

  it('names the model that --model or $SKIPTAG_MODEL asks for as the default one', async () => {
    const asked = await runDoctor({
      libraryPath,
      modelsDir,
      bundledDir,
      benchSeconds: 0,
      providers: ['cpu'],
      model: 'resnet50-v2-7',
    });
    expect(asked.models.defaultModel).toBe(path.join(bundledDir, 'resnet50-v2-7.onnx'));
    const unknown = await runDoctor({
      libraryPath,
      modelsDir,
      bundledDir,
      benchSeconds: 0,
      providers: ['cpu'],
      model: 'nope',
    });
    expect(unknown.models.defaultModel).toBeNull();
    expect(unknown.models.defaultModelError).toContain('no model named "nope"');
  });
});
