// Classifier tests (test): real onnxruntime-node sessions, provider fallback, model I/O read from the session.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from '../../src-main/engine/classify/classifier.js';
import { ModelError } from '../../src-main/engine/classify/model-io.js';
import { isCudaInstalled } from '../../src-main/engine/classify/providers.js';
import { buildColourModel } from '../../src-main/engine/synth/colour-model.js';
import { runReference } from '../support/onnx-reference/onnx-reference.js';
import { buildTinyResNet } from '../../src-main/engine/synth/tiny-resnet.js';
import { OnnxGraphBuilder } from '../../src-main/engine/synth/onnx-graph-builder.js';

let dir: string;
let tinyPath: string;
const tinyBytes = buildTinyResNet(3);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-classifier-'));
  tinyPath = path.join(dir, 'tiny.onnx');
  await writeFile(tinyPath, tinyBytes);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function randomInput(count: number, side: number): Float32Array {
  const data = new Float32Array(count * 3 * side * side);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 2;
  return data;
}

describe('Classifier', () => {
  it('reads input/output names and shapes from the session and matches an independent forward pass', async () => {
    const classifier = await Classifier.open(tinyPath, { ep: 'cpu', threads: 1 });
    try {
      expect(classifier.io).toEqual({
        inputName: 'data',
        outputName: 'logits',
        fixedBatch: null,
        height: 32,
        width: 32,
        numClasses: 10,
      });
      expect(classifier.provider).toBe('cpu');
      expect(classifier.threads).toBe(1);
      const input = randomInput(3, 32);
      const expected = runReference(tinyBytes, input, [3, 3, 32, 32]);
      // The same session serves several batches (it is created once).
      for (let round = 0; round < 3; round++) {
        const logits = await classifier.run(input.slice(), 3);
        expect(logits).toHaveLength(30);
        let maxDiff = 0;
        for (let i = 0; i < logits.length; i++)
          maxDiff = Math.max(maxDiff, Math.abs((logits[i] ?? 0) - (expected[i] ?? 0)));
        expect(maxDiff).toBeLessThan(1e-4);
      }
    } finally {
      await classifier.close();
    }
  });

  it('falls back to the CPU when GPU providers fail to load, and says why', async () => {
    const classifier = await Classifier.open(tinyPath, { providers: ['cuda', 'webgpu', 'cpu'] });
    try {
      expect(classifier.provider).toBe('cpu');
      const failed = classifier.attempts.filter((a) => !a.ok);
      expect(failed.map((a) => a.provider)).toEqual(['cuda', 'webgpu']);
      for (const attempt of failed) expect(attempt.error).toBeTruthy();
      expect(classifier.attempts.at(-1)).toEqual({ provider: 'cpu', ok: true, error: null });
    } finally {
      await classifier.close();
    }
  });

  it.skipIf(isCudaInstalled())(
    'fails clearly, without falling back, when the one requested provider is missing',
    async () => {
      await expect(Classifier.open(tinyPath, { ep: 'cuda' })).rejects.toThrow(/CUDA/);
      await expect(Classifier.open(tinyPath, { ep: 'dml' })).rejects.toBeInstanceOf(ModelError);
    },
  );

  it('auto ends on a provider that really runs the model', async () => {
    const classifier = await Classifier.open(tinyPath, { ep: 'auto' });
    try {
      const logits = await classifier.run(randomInput(1, 32), 1);
      expect(logits.every(Number.isFinite)).toBe(true);
      expect(classifier.attempts.at(-1)?.ok).toBe(true);
    } finally {
      await classifier.close();
    }
  });

  it('accepts models whose names differ and whose batch is fixed', async () => {
    const file = path.join(dir, 'colours-fixed.onnx');
    await writeFile(file, buildColourModel({ fixedBatch: 2 }).bytes);
    const classifier = await Classifier.open(file, { ep: 'cpu' });
    try {
      expect(classifier.io.fixedBatch).toBe(2);
      expect(classifier.io.numClasses).toBe(13);
      await expect(classifier.run(randomInput(2, 224), 2)).resolves.toHaveLength(26);
    } finally {
      await classifier.close();
    }
  });

  it('refuses models that are not [N,3,H,W] → [N,K] classifiers, with the reason', async () => {
    const builder = new OnnxGraphBuilder('not-a-classifier');
    builder.addInput('pixels', ['N', 3, 8, 8]);
    builder.addOutput('features', ['N', 3, 8, 8]);
    builder.relu('features', 'pixels');
    const file = path.join(dir, 'not-classifier.onnx');
    await writeFile(file, builder.toModelBytes());
    await expect(Classifier.open(file, { ep: 'cpu' })).rejects.toThrow(/expected float32 \[N,K\]/);
    const garbage = path.join(dir, 'garbage.onnx');
    await writeFile(garbage, 'not a model');
    await expect(Classifier.open(garbage, { ep: 'cpu' })).rejects.toBeInstanceOf(ModelError);
  });
});
