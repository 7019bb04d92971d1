// `skiptag models import` end to end (test): import a model built in code, then tag photos with it by name.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelSettingsSchema } from '../../src-main/engine/models/model-settings.js';
import { buildTinyResNet } from '../../src-main/engine/synth/tiny-resnet.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { runCli } from '../support/run-cli.js';

let dir: string;
let modelsDir: string;
let photos: string;
let colourModel: string;
let expected: Map<string, string>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-import-cli-'));
  modelsDir = path.join(dir, 'installed models');
  photos = path.join(dir, 'photos');
  colourModel = await writeColourModel(path.join(dir, 'built'));
  expected = await writeColourPhotos(photos);
  env = { SKIPTAG_MODELS_DIR: modelsDir };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `path<TAB>label score, …` lines → file name → top label. */
function topLabels(stdout: string): Map<string, string> {
  const tops = new Map<string, string>();
  for (const line of stdout.trim().split('\n')) {
    const [file, labels] = line.split('\t');
    tops.set(path.basename(file ?? ''), (labels ?? '').split(' ')[0] ?? '');
  }
  return tops;
}

describe('skiptag models import', () => {
  it('imports the colour model with its labels, then "tag --model NAME" uses it', async () => {
    const labels = colourModel.replace(/\.onnx$/, '.labels.txt');
    const run = await runCli(
      ['models', 'import', colourModel, '--name', 'my-colours', '--labels', labels],
      env,
    );
    expect(run.stderr).toContain('imported "my-colours"');
    expect(run.code).toBe(0);
    expect((await readdir(modelsDir)).sort()).toEqual([
      'my-colours.json',
      'my-colours.labels.txt',
      'my-colours.onnx',
    ]);
    const settings = ModelSettingsSchema.parse(
      JSON.parse(await readFile(path.join(modelsDir, 'my-colours.json'), 'utf8')),
    );
    expect(settings).toMatchObject({
      name: 'my-colours',
      source: 'imported',
      numClasses: 13,
      inputSize: [224, 224],
    });

    const tag = await runCli(['tag', photos, '--model', 'my-colours', '--no-library', '-q'], env);
    expect(tag.stderr).toContain('my-colours.onnx');
    expect(tag.code).toBe(0);
    expect(topLabels(tag.stdout)).toEqual(expected);

    // Without --model the installed folder is searched too, so the imported model is found.
    const implicit = await runCli(['tag', photos, '--no-library', '-q'], env);
    expect(implicit.code).toBe(0);
    expect(topLabels(implicit.stdout)).toEqual(expected);
  });

  it('feeds an imported model the preprocessing given at import (--mean/--std reach the pipeline)', async () => {
    const labels = colourModel.replace(/\.onnx$/, '.labels.txt');
    const dir2 = path.join(dir, 'raw-models');
    const args = ['--name', 'raw', '--labels', labels, '--mean', '0,0,0', '--std', '1,1,1'];
    const run = await runCli(['models', 'import', colourModel, ...args], { SKIPTAG_MODELS_DIR: dir2 });
    expect(run.code, run.stderr).toBe(0);
    // The colour model undoes ImageNet normalisation; fed x/255 unnormalised, every colour drifts to grey.
    const tag = await runCli(['tag', photos, '--model', 'raw', '--no-library', '-q'], {
      SKIPTAG_MODELS_DIR: dir2,
    });
    expect(tag.code, tag.stderr).toBe(0);
    const tops = topLabels(tag.stdout);
    expect(tops.get('red-photo.jpg')).not.toBe('red');
    expect(tops.get('blue-photo.jpg')).not.toBe('blue');
    // The library path classifies in the engine process: it must read the same settings.
    const csv = path.join(dir, 'raw.csv');
    const viaLibrary = await runCli(['tag', photos, '--model', 'raw', '--csv', csv, '-q'], {
      SKIPTAG_MODELS_DIR: dir2,
    });
    expect(viaLibrary.code, viaLibrary.stderr).toBe(0);
    const rows = parse(await readFile(csv, 'utf8'), { columns: true }) as Record<string, string>[];
    const red = rows.find((r) => path.basename(r.path ?? '') === 'red-photo.jpg');
    expect(red?.status).toBe('ok');
    expect(red?.label).not.toBe('red');
  });

  it('refuses a duplicate name, a text file and a 10-class model without labels (exit 3)', async () => {
    const duplicate = await runCli(['models', 'import', colourModel, '--name', 'my-colours'], env);
    expect(duplicate.code).toBe(3);
    expect(duplicate.stderr).toMatch(/already exists/);

    const text = path.join(dir, 'readme.onnx');
    await writeFile(text, 'not a model\n');
    const notOnnx = await runCli(['models', 'import', text, '--name', 'text'], env);
    expect(notOnnx.code).toBe(3);
    expect(notOnnx.stderr).toMatch(/not a usable ONNX classifier.*Protobuf parsing failed/);

    const tiny = path.join(dir, 'tiny.onnx');
    await writeFile(tiny, buildTinyResNet(1));
    const noLabels = await runCli(['models', 'import', tiny, '--name', 'tiny'], env);
    expect(noLabels.code).toBe(3);
    expect(noLabels.stderr).toMatch(/10 classes.*--labels/);

    expect((await readdir(modelsDir)).sort()).toEqual([
      'my-colours.json',
      'my-colours.labels.txt',
      'my-colours.onnx',
    ]);
  });

  it('reports usage mistakes with exit 2', async () => {
    for (const args of [
      ['models', 'import', colourModel, '--name', 'Not Valid'],
      ['models', 'import', colourModel],
      ['models', 'import', colourModel, '--name', 'x', '--mean', '1,2'],
      ['models', 'import', colourModel, '--name', 'x', '--size', 'big'],
    ]) {
      const run = await runCli(args, env);
      expect(run.code, args.join(' ')).toBe(2);
    }
  });
});
