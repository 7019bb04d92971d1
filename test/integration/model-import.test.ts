// Model import tests (test): real onnxruntime checks, files and settings written, every refusal with its reason.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  importModel,
  ModelImportError,
  type ImportRefusal,
} from '../../src-main/engine/models/import-model.js';
import {
  ModelSettingsSchema,
  preprocessFor,
  readModelSettings,
} from '../../src-main/engine/models/model-settings.js';
import { buildColourModel } from '../../src-main/engine/synth/colour-model.js';
import { OnnxGraphBuilder } from '../../src-main/engine/synth/onnx-graph-builder.js';
import { buildTinyResNet } from '../../src-main/engine/synth/tiny-resnet.js';

let dir: string;
let colourPath: string;
let colourLabels: string;
let tinyPath: string;
let tinyLabels: string;
const colour = buildColourModel();

/** A cheap 1000-class classifier: 8x8 input, average pool, one Gemm. */
function imagenetShapedModel(): Uint8Array {
  const b = new OnnxGraphBuilder('thousand');
  const data = b.addInput('data', ['N', 3, 8, 8]);
  const pooled = b.flatten('flat', b.globalAveragePool('pool', data));
  const weight = b.addInitializer('fc.weight', [1000, 3], new Float32Array(3000).fill(0.01));
  const out = b.gemm('logits', pooled, weight, b.addInitializer('fc.bias', [1000], new Float32Array(1000)));
  b.addOutput(out, ['N', 1000]);
  return b.toModelBytes();
}

/** Image in, image out: a valid model but not a classifier ([N,3,H,W] output instead of [N,K]). */
function imageToImageModel(): Uint8Array {
  const b = new OnnxGraphBuilder('not-a-classifier');
  const data = b.addInput('data', ['N', 3, 16, 16]);
  b.addOutput(b.relu('out', data), ['N', 3, 16, 16]);
  return b.toModelBytes();
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-import-'));
  colourPath = path.join(dir, 'colours.onnx');
  colourLabels = path.join(dir, 'colour-names.txt');
  tinyPath = path.join(dir, 'tiny.onnx');
  tinyLabels = path.join(dir, 'tiny-labels.txt');
  await writeFile(colourPath, colour.bytes);
  await writeFile(colourLabels, `${colour.labels.join('\n')}\n`);
  await writeFile(tinyPath, buildTinyResNet(2));
  await writeFile(tinyLabels, Array.from({ length: 10 }, (_, i) => `thing ${i}`).join('\n'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function freshModelsDir(): Promise<string> {
  return mkdtemp(path.join(dir, 'models-'));
}

async function refusal(promise: Promise<unknown>): Promise<{ refusal: ImportRefusal; message: string }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelImportError);
  return { refusal: (error as ModelImportError).refusal, message: (error as Error).message };
}

describe('importModel', () => {
  it('stores the model, its labels and valid settings, and the settings drive preprocessing', async () => {
    const modelsDir = await freshModelsDir();
    const now = new Date('2025-01-02T03:04:05.000Z');
    const imported = await importModel({
      file: colourPath,
      name: 'colours',
      modelsDir,
      labelsFile: colourLabels,
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
      resizeShorter: 240,
      now,
    });
    expect(imported.modelPath).toBe(path.join(modelsDir, 'colours.onnx'));
    expect((await readdir(modelsDir)).sort()).toEqual(['colours.json', 'colours.labels.txt', 'colours.onnx']);
    expect(await readFile(imported.modelPath)).toEqual(Buffer.from(colour.bytes));
    expect(await readFile(path.join(modelsDir, 'colours.labels.txt'), 'utf8')).toBe(
      await readFile(colourLabels, 'utf8'),
    );
    const json: unknown = JSON.parse(await readFile(path.join(modelsDir, 'colours.json'), 'utf8'));
    expect(ModelSettingsSchema.parse(json)).toEqual({
      name: 'colours',
      source: 'imported',
      importedFrom: colourPath,
      sha256: createHash('sha256').update(colour.bytes).digest('hex'),
      inputSize: [224, 224],
      resizeShorter: 240,
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
      numClasses: 13,
      labels: 'colours.labels.txt',
      importedAt: now.toISOString(),
    });
    expect(await readModelSettings(imported.modelPath)).toEqual(imported.settings);
    const io = {
      inputName: 'data',
      outputName: 'logits',
      fixedBatch: null,
      height: 224,
      width: 224,
      numClasses: 13,
    };
    expect(await preprocessFor(imported.modelPath, io)).toMatchObject({
      resizeShorter: 240,
      cropHeight: 224,
      cropWidth: 224,
      mean: [0.5, 0.5, 0.5],
      std: [0.25, 0.25, 0.25],
    });
    // Without settings: the ImageNet standard for the input size.
    expect(await preprocessFor(colourPath, io)).toMatchObject({
      resizeShorter: 256,
      mean: [0.485, 0.456, 0.406],
    });
  });

  it('takes a 1000-class model without labels as ImageNet-1k, with its own input size', async () => {
    const modelsDir = await freshModelsDir();
    const file = path.join(dir, 'thousand.onnx');
    await writeFile(file, imagenetShapedModel());
    const imported = await importModel({ file, name: 'thousand', modelsDir });
    expect(imported.labelsPath).toBeNull();
    expect(imported.settings).toMatchObject({
      labels: 'imagenet-1k',
      numClasses: 1000,
      inputSize: [8, 8],
      resizeShorter: 9,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    expect((await readdir(modelsDir)).sort()).toEqual(['thousand.json', 'thousand.onnx']);
  });

  it('accepts a tiny ResNet with a 10-line labels file and a matching --size', async () => {
    const modelsDir = await freshModelsDir();
    const imported = await importModel({
      file: tinyPath,
      name: 'tiny.v1_x',
      modelsDir,
      labelsFile: tinyLabels,
      inputSize: [32, 32],
    });
    expect(imported.settings).toMatchObject({ numClasses: 10, inputSize: [32, 32], resizeShorter: 37 });
  });

  describe('refuses, with the reason, and leaves nothing behind', () => {
    it('a text file', async () => {
      const modelsDir = await freshModelsDir();
      const file = path.join(dir, 'notes.onnx');
      await writeFile(file, 'these are my holiday notes, not a model\n');
      const r = await refusal(importModel({ file, name: 'notes', modelsDir, labelsFile: tinyLabels }));
      expect(r.refusal).toBe('not-loadable');
      expect(r.message).toContain(file);
      expect(r.message).not.toContain('.tmp');
      expect(await readdir(modelsDir)).toEqual([]);
    });

    it('a model whose output is not [N,K]', async () => {
      const modelsDir = await freshModelsDir();
      const file = path.join(dir, 'image-to-image.onnx');
      await writeFile(file, imageToImageModel());
      const r = await refusal(importModel({ file, name: 'i2i', modelsDir, labelsFile: tinyLabels }));
      expect(r.refusal).toBe('not-loadable');
      expect(r.message).toMatch(/expected float32 \[N,K\]/);
      expect(await readdir(modelsDir)).toEqual([]);
    });

    it('a labels file whose count does not match the outputs', async () => {
      const modelsDir = await freshModelsDir();
      const r = await refusal(
        importModel({ file: tinyPath, name: 'tiny', modelsDir, labelsFile: colourLabels }),
      );
      expect(r.refusal).toBe('labels-mismatch');
      expect(r.message).toContain('10 classes');
      expect(r.message).toContain('13 labels');
      expect(await readdir(modelsDir)).toEqual([]);
    });

    it('a model without 1000 classes and no labels', async () => {
      const modelsDir = await freshModelsDir();
      const r = await refusal(importModel({ file: tinyPath, name: 'tiny', modelsDir }));
      expect(r.refusal).toBe('labels-mismatch');
      expect(r.message).toMatch(/10 classes.*--labels/);
      expect(await readdir(modelsDir)).toEqual([]);
    });

    it('a name that is taken, keeping the existing model', async () => {
      const modelsDir = await freshModelsDir();
      await importModel({ file: tinyPath, name: 'mine', modelsDir, labelsFile: tinyLabels });
      const r = await refusal(
        importModel({ file: colourPath, name: 'mine', modelsDir, labelsFile: colourLabels }),
      );
      expect(r.refusal).toBe('name-taken');
      expect((await readdir(modelsDir)).sort()).toEqual(['mine.json', 'mine.labels.txt', 'mine.onnx']);
      expect((await readModelSettings(path.join(modelsDir, 'mine.onnx')))?.numClasses).toBe(10);
      // A catalogue id belongs to the zoo model `skiptag models install` puts there.
      const zoo = await refusal(
        importModel({ file: tinyPath, name: 'resnet50-v2-7', modelsDir, labelsFile: tinyLabels }),
      );
      expect(zoo.refusal).toBe('name-taken');
      expect(zoo.message).toContain('catalogue');
    });

    it('invalid names', async () => {
      const modelsDir = await freshModelsDir();
      for (const name of [
        '',
        'Birds',
        '-x',
        'a/b',
        '../x',
        'x.onnx',
        'x.labels',
        'a'.repeat(65),
        'with space',
      ]) {
        const r = await refusal(importModel({ file: tinyPath, name, modelsDir, labelsFile: tinyLabels }));
        expect(r.refusal, name).toBe('invalid-name');
      }
    });

    it('a --size the model cannot take, and a missing file', async () => {
      const modelsDir = await freshModelsDir();
      const r = await refusal(
        importModel({
          file: colourPath,
          name: 'c',
          modelsDir,
          labelsFile: colourLabels,
          inputSize: [299, 299],
        }),
      );
      expect(r.refusal).toBe('size-mismatch');
      expect(r.message).toContain('224x224');
      const missing = await refusal(importModel({ file: path.join(dir, 'nope.onnx'), name: 'c', modelsDir }));
      expect(missing.refusal).toBe('not-found');
      expect(await readdir(modelsDir)).toEqual([]);
    });
  });
});
