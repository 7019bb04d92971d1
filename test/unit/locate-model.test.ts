// locateModel tests (test): explicit paths and names, search order over installed and bundled folders, first-run message.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src-main/engine/config.js';
import {
  isModelName,
  locateModel,
  ModelNotFoundError,
  modelCandidates,
} from '../../src-main/engine/models/locate-model.js';

let root: string;
let installed: string;
let bundled: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'skiptag-locate-'));
  installed = path.join(root, 'data', 'models');
  bundled = path.join(root, 'app', 'models');
  await mkdir(installed, { recursive: true });
  await mkdir(bundled, { recursive: true });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function touch(dir: string, ...names: string[]): Promise<void> {
  for (const name of names) await writeFile(path.join(dir, name), 'x');
}

const locate = (requested?: string) => locateModel(requested, installed, bundled);

describe('locateModel', () => {
  it('prefers the recommended model, then known zoo files, then imported ones alphabetically', async () => {
    await touch(installed, 'zebra.onnx', 'birds.onnx');
    expect(await locate()).toBe(path.join(installed, 'birds.onnx'));
    await touch(installed, 'resnet18-v1-7.onnx', 'resnet101-v2-7.onnx');
    expect(await locate()).toBe(path.join(installed, 'resnet101-v2-7.onnx'));
    await touch(installed, 'resnet50-v2-7.onnx');
    expect(await locate()).toBe(path.join(installed, 'resnet50-v2-7.onnx'));
    expect(modelCandidates(installed, bundled).map((f) => path.basename(f))).toEqual([
      'resnet50-v2-7.onnx',
      'resnet101-v2-7.onnx',
      'resnet18-v1-7.onnx',
      'birds.onnx',
      'zebra.onnx',
    ]);
  });

  it('uses the installed folder before the bundled one, and the bundled one without any install', async () => {
    await touch(bundled, 'resnet50-v2-7.onnx');
    expect(await locate()).toBe(path.join(bundled, 'resnet50-v2-7.onnx'));
    await touch(installed, 'birds.onnx');
    expect(await locate()).toBe(path.join(installed, 'birds.onnx'));
  });

  it('skips hidden and temporary files such as an import in progress', async () => {
    await touch(installed, '.birds.onnx.123.ab.tmp', '.hidden.onnx', 'notes.txt');
    await touch(bundled, 'colours.onnx');
    expect(await locate()).toBe(path.join(bundled, 'colours.onnx'));
  });

  it('resolves a bare name to <installed>/NAME.onnx, then the bundled folder', async () => {
    await touch(installed, 'birds.onnx');
    await touch(bundled, 'colours.onnx', 'birds.onnx');
    expect(await locate('birds')).toBe(path.join(installed, 'birds.onnx'));
    expect(await locate('colours')).toBe(path.join(bundled, 'colours.onnx'));
    // An explicit choice wins over whatever the search would pick.
    await touch(installed, 'resnet50-v2-7.onnx');
    expect(await locate('colours')).toBe(path.join(bundled, 'colours.onnx'));
  });

  it('explains an unknown name with the models that exist and how to add one', async () => {
    await touch(installed, 'birds.onnx');
    const error = await locate('resnet50-v2-7').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain('no model named "resnet50-v2-7"');
    expect(message).toContain('birds');
    expect(message).toContain('skiptag models install resnet50-v2-7');
    expect(message).toContain('skiptag models import');
  });

  it('keeps paths working: relative, absolute, with .onnx, and missing ones fail clearly', async () => {
    const file = path.join(root, 'elsewhere', 'My Model.onnx');
    await mkdir(path.dirname(file));
    await writeFile(file, 'x');
    expect(await locate(file)).toBe(file);
    expect(await locate(path.relative(process.cwd(), file))).toBe(file);
    // "birds.onnx" has the suffix, so it is a path (relative to the working folder), not a name.
    await touch(installed, 'birds.onnx');
    await expect(locate('birds.onnx')).rejects.toThrow(/model file not found/);
    await expect(locate(path.join(root, 'missing.onnx'))).rejects.toThrow(/model file not found/);
  });

  it('first run: says exactly how to get a model', async () => {
    const error = await locate().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelNotFoundError);
    const message = (error as Error).message;
    expect(message).toContain('No model found');
    expect(message).toContain('skiptag models install resnet50-v2-7');
    expect(message).toContain('--mirror');
    expect(message).toContain('--model');
    expect(message).toContain('models synth colours');
    expect(message).toContain(installed);
    expect(message).toContain(bundled);
  });

  it('treats only separator-free names without .onnx as model names', () => {
    expect(isModelName('resnet50-v2-7')).toBe(true);
    expect(isModelName('my.birds_v2')).toBe(true);
    expect(isModelName('birds.onnx')).toBe(false);
    expect(isModelName('BIRDS.ONNX')).toBe(false);
    expect(isModelName('models/birds')).toBe(false);
    expect(isModelName('models\\birds')).toBe(false);
    expect(isModelName('..')).toBe(false);
    expect(isModelName('')).toBe(false);
  });

  it('takes the configured model ($SKIPTAG_MODEL when --model is not given) as the request', async () => {
    await touch(installed, 'resnet50-v2-7.onnx');
    await touch(bundled, 'colours.onnx');
    const model = resolveConfig({}, { SKIPTAG_MODEL: 'colours' }).model;
    expect(await locate(model ?? undefined)).toBe(path.join(bundled, 'colours.onnx'));
    expect(await locateModel(null, installed, bundled)).toBe(path.join(installed, 'resnet50-v2-7.onnx'));
  });
});
