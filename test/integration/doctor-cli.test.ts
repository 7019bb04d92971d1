// `skiptag doctor` end to end (test): the JSON report through the real command, and the text report.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src-main/engine/doctor/doctor-report.js';
import { runCli } from '../support/run-cli.js';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-doctor-cli-'));
  env = { SKIPTAG_MODELS_DIR: path.join(dir, 'models'), SKIPTAG_LIBRARY: path.join(dir, 'library.db') };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('skiptag doctor', () => {
  it('--json prints the report: cpu loads with a rate, unavailable providers say why', async () => {
    const run = await runCli(['doctor', '--json', '--bench-seconds', '1'], env);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as DoctorReport;
    const cpu = report.providers.find((p) => p.provider === 'cpu');
    expect(cpu?.loads).toBe(true);
    expect(cpu?.benchmark?.imagesPerSecond).toBeGreaterThan(0);
    for (const name of ['webgpu', 'cuda', 'dml', 'coreml']) {
      const p = report.providers.find((q) => q.provider === name);
      expect(p, name).toBeDefined();
      if (!p?.loads) expect(p?.error, name).toBeTruthy();
    }
    if (process.platform === 'linux') {
      expect(report.providers.find((p) => p.provider === 'dml')?.loads).toBe(false);
    }
    expect(report.versions.onnxruntime).toMatch(/^1\./);
    expect(report.versions.libvips).toBeTruthy();
    expect(report.system.cpuCores).toBeGreaterThan(0);
    expect(report.library).toMatchObject({ path: path.join(dir, 'library.db'), exists: false });
    expect(report.models).toMatchObject({ dir: path.join(dir, 'models'), dirExists: false, installed: [] });
  });

  it('prints a readable report without benchmarks when asked', async () => {
    const run = await runCli(['doctor', '--bench-seconds', '0'], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\s+cpu\s+works\s+benchmark skipped/m);
    if (process.platform === 'linux') expect(run.stdout).toMatch(/^\s+dml\s+n\/a\s+dml is not available/m);
    expect(run.stdout).toContain('Library');
    expect(run.stdout).toContain('not created yet');
  });

  it('rejects a bad --bench-seconds (exit 2)', async () => {
    const run = await runCli(['doctor', '--bench-seconds', 'lots'], env);
    expect(run.code).toBe(2);
  });
});
