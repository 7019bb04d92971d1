// Synthetic ResNet-18/50: torchvision parameter counts, graph structure, and inference in onnxruntime (engine).
import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildResNet } from '../../src-main/engine/synth/resnet.js';
import { countOpTypes, countParameters } from '../support/model-stats.js';
import { createSeededRandom, normalArray } from '../../src-main/engine/synth/seeded-random.js';

async function check(
  bytes: Uint8Array,
  inputDims: number[],
  classes: number,
  inputShape: (number | string)[],
) {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    expect(session.inputNames).toEqual(['data']);
    expect(session.outputNames).toEqual(['logits']);
    const [input] = session.inputMetadata;
    const [output] = session.outputMetadata;
    expect(input?.isTensor && input.shape).toEqual(inputShape);
    expect(output?.isTensor && output.shape).toEqual([inputShape[0], classes]);

    const data = normalArray(
      createSeededRandom(5),
      inputDims.reduce((a, b) => a * b, 1),
      1,
    );
    const result = await session.run({ data: new ort.Tensor('float32', data, inputDims) });
    const logits = result.logits;
    expect(logits?.dims).toEqual([2, classes]);
    const values = logits?.data as Float32Array;
    expect(values.every(Number.isFinite)).toBe(true);
    const first = values.slice(0, classes);
    const second = values.slice(classes);
    expect(first.some((v, i) => Math.abs(v - (second[i] ?? v)) > 1e-3)).toBe(true);
  } finally {
    await session.release();
  }
}

describe('synthetic ResNet-18', () => {
  const bytes = buildResNet('resnet18', { seed: 1 });

  it('has torchvision’s parameter count and block structure', () => {
    expect(countParameters(bytes)).toBe(11_689_512);
    const ops = countOpTypes(bytes);
    expect(ops.Conv).toBe(20);
    expect(ops.Add).toBe(8);
    expect(ops.BatchNormalization).toBe(20);
    expect(ops.Gemm).toBe(1);
  });

  it('runs a batch of 2 at 224 in onnxruntime with a symbolic batch', async () => {
    await check(bytes, [2, 3, 224, 224], 1000, ['N', 3, 224, 224]);
  });

  it('honours numClasses, inputSize and fixedBatch', async () => {
    const small = buildResNet('resnet18', { numClasses: 10, inputSize: 64, fixedBatch: 2 });
    expect(countParameters(small)).toBe(11_689_512 - 990 * 513);
    await check(small, [2, 3, 64, 64], 10, [2, 3, 64, 64]);
  });

  it('is deterministic per seed', () => {
    expect(Buffer.compare(buildResNet('resnet18', { seed: 1 }), bytes)).toBe(0);
    expect(Buffer.compare(buildResNet('resnet18', { seed: 2 }), bytes)).not.toBe(0);
  });
});

describe('synthetic ResNet-50 v1.5', () => {
  const bytes = buildResNet('resnet50', { seed: 1 });

  it('has torchvision’s parameter count and bottleneck structure', () => {
    expect(countParameters(bytes)).toBe(25_557_032);
    const ops = countOpTypes(bytes);
    expect(ops.Conv).toBe(53);
    expect(ops.Add).toBe(16);
  });

  it('runs a batch of 2 at 224 in onnxruntime', async () => {
    await check(bytes, [2, 3, 224, 224], 1000, ['N', 3, 224, 224]);
  });
});
