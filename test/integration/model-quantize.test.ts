// int8 quantization (test): `models quantize` makes a QDQ model onnxruntime runs with integer kernels, keeps labels and preprocessing, and refuses a bad calibration.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreprocessSpec } from '../../src-main/engine/imaging/preprocess-spec.js';
import { QuantizeRefusedError, quantizeModel } from '../../src-main/engine/models/quantize-model.js';
import { WorkerSupervisor } from '../../src-main/engine/worker/worker-supervisor.js';
import { PHOTOS_DIR, runCli } from '../support/run-cli.js';

let work: string;
let env: NodeJS.ProcessEnv;
let modelsDir: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-quantize-test-'));
  modelsDir = path.join(work, 'models');
  env = { SKIPTAG_MODELS_DIR: modelsDir, SKIPTAG_CACHE_DIR: path.join(work, 'cache') };
  // A parent with its own labels and unusual preprocessing, imported by name as a user would.
  const tiny = path.join(work, 'tiny.onnx');
  expect((await runCli(['models', 'synth', 'tiny-resnet', tiny], env)).code).toBe(0);
  const imported = await runCli(
    [
      'models',
      'import',
      tiny,
      '--name',
      'tiny',
      '--labels',
      path.join(work, 'tiny.labels.txt'),
      '--mean',
      '0.5,0.5,0.5',
      '--std',
      '0.25,0.25,0.25',
      '--resize-shorter',
      '40',
    ],
    env,
  );
  expect(imported.code, imported.stderr).toBe(0);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('skiptag models quantize', () => {
  it('imports an int8 model that runs on integer kernels, agrees with its parent and keeps its labels and preprocessing', async () => {
    const run = await runCli(
      ['models', 'quantize', 'tiny', '--name', 'tiny-int8', '--calibrate', PHOTOS_DIR],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('imported tiny-int8');
    const kernels = /; (\d+) integer kernels/.exec(run.stderr);
    expect(Number(kernels?.[1])).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/logit cosine 0\.9\d+ \(min\)/);

    const parent = JSON.parse(await readFile(path.join(modelsDir, 'tiny.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const child = JSON.parse(await readFile(path.join(modelsDir, 'tiny-int8.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    for (const key of ['inputSize', 'resizeShorter', 'mean', 'std', 'numClasses'])
      expect(child[key]).toEqual(parent[key]);
    expect(child.sha256).not.toBe(parent.sha256);
    expect(child.importedFrom).toBe(`${path.join(modelsDir, 'tiny.onnx')} (int8)`);
    expect(await readFile(path.join(modelsDir, 'tiny-int8.labels.txt'), 'utf8')).toBe(
      await readFile(path.join(modelsDir, 'tiny.labels.txt'), 'utf8'),
    );
    // The model file really is QDQ int8: integer weights, no float Conv weights left.
    const bytes = await readFile(path.join(modelsDir, 'tiny-int8.onnx'));
    expect(bytes.includes(Buffer.from('QuantizeLinear'))).toBe(true);
    expect(bytes.includes(Buffer.from('DequantizeLinear'))).toBe(true);

    // Usable by name everywhere: tag with it, labels from the parent's file.
    const tagged = await runCli(
      ['tag', PHOTOS_DIR, '--model', 'tiny-int8', '--no-library', '--top-k', '1'],
      env,
    );
    expect(tagged.code, tagged.stderr).toBe(0);
    const labels = (await readFile(path.join(modelsDir, 'tiny.labels.txt'), 'utf8')).trim().split('\n');
    const lines = tagged.stdout.trim().split('\n');
    expect(lines.length).toBe(7);
    for (const line of lines) expect(labels).toContain(line.split('\t')[1]?.replace(/ [0-9.]+$/, ''));
    // The parent's top label on each photo is the int8 model's too (the self-check's top-1 agreement).
    const fp32 = await runCli(['tag', PHOTOS_DIR, '--model', 'tiny', '--no-library', '--top-k', '1'], env);
    const top = (stdout: string) =>
      stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[1]?.replace(/ [0-9.]+$/, ''));
    expect(top(tagged.stdout)).toEqual(top(fp32.stdout));
  });

  it('refuses a sabotaged calibration and stores nothing', async () => {
    const worker = await WorkerSupervisor.start({ model: null });
    try {
      const photos = (await readdir(PHOTOS_DIR))
        .filter((f) => f.endsWith('.jpg'))
        .map((f) => path.join(PHOTOS_DIR, f));
      const request = {
        parentPath: path.join(modelsDir, 'tiny.onnx'),
        modelsDir,
        photos,
        threads: 1,
        preprocess: async (file: string, spec: PreprocessSpec) => {
          const value = await worker.task({ kind: 'preprocess', path: file, ...spec });
          if (value.kind !== 'preprocess') throw new Error('wrong task answer');
          return value.data;
        },
      };
      // Ranges a thousand times too narrow: almost every activation saturates.
      const sabotaged = quantizeModel({
        ...request,
        name: 'tiny-sabotaged',
        adjustRanges: (ranges) =>
          new Map([...ranges].map(([name, [lo, hi]]) => [name, [lo / 1000, hi / 1000]])),
      });
      await expect(sabotaged).rejects.toBeInstanceOf(QuantizeRefusedError);
      await expect(sabotaged).rejects.toThrow(/disagrees with the fp32 one/);
      expect(existsSync(path.join(modelsDir, 'tiny-sabotaged.onnx'))).toBe(false);
      expect(existsSync(path.join(modelsDir, 'tiny-sabotaged.json'))).toBe(false);

      // The same request with honest ranges passes: the refusal above is the sabotage's doing.
      const honest = await quantizeModel({ ...request, name: 'tiny-honest' });
      expect(honest.check.minCosine).toBeGreaterThan(0.98);
      expect(existsSync(path.join(modelsDir, 'tiny-honest.onnx'))).toBe(true);
    } finally {
      await worker.close();
    }
  });

  it('reports undecodable calibration photos and bad arguments clearly', async () => {
    const noName = await runCli(['models', 'quantize', 'tiny'], env);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('--name');
    const missing = await runCli(['models', 'quantize', 'no-such-model', '--name', 'x-int8'], env);
    expect(missing.code).toBe(3);
    const empty = path.join(work, 'empty');
    await mkdir(empty, { recursive: true });
    const none = await runCli(['models', 'quantize', 'tiny', '--name', 'x-int8', '--calibrate', empty], env);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('no photos to calibrate on');

    // A broken photo among good ones: named, skipped, and the rest calibrate.
    const mixed = path.join(work, 'mixed');
    await mkdir(mixed, { recursive: true });
    await copyFile(path.join(PHOTOS_DIR, 'dog.jpg'), path.join(mixed, 'dog.jpg'));
    await copyFile(path.join(PHOTOS_DIR, 'kite.jpg'), path.join(mixed, 'kite.jpg'));
    await writeFile(path.join(mixed, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0x00, 9, 9]));
    const partly = await runCli(
      ['models', 'quantize', 'tiny', '--name', 'tiny-partly', '--calibrate', mixed],
      env,
    );
    expect(partly.code, partly.stderr).toBe(0);
    expect(partly.stderr).toMatch(/broken\.jpg: skipped: /);
    expect(partly.stderr).toMatch(/self-check on 2 photos/);
  });
});
