// Cross-checks onnxruntime against the independent TypeScript interpreter on the tiny random ResNet (engine).
import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import {
  buildTinyResNet,
  TINY_INPUT_SIZE,
  TINY_NUM_CLASSES,
} from '../../src-main/engine/synth/tiny-resnet.js';
import { runReference } from '../support/onnx-reference/onnx-reference.js';
import { countOpTypes } from '../support/model-stats.js';
import { createSeededRandom, normalArray } from '../../src-main/engine/synth/seeded-random.js';

const { onnx } = onnxProto;
const DIMS = [2, 3, TINY_INPUT_SIZE, TINY_INPUT_SIZE];

async function runOrt(bytes: Uint8Array, input: Float32Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    const out = await session.run({ data: new ort.Tensor('float32', input, DIMS) });
    const logits = out.logits;
    expect(logits?.dims).toEqual([2, TINY_NUM_CLASSES]);
    return logits?.data as Float32Array;
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? NaN))), 0);
}

/** Re-encodes the model with one value of one initializer shifted, to prove the comparison can fail. */
function perturb(bytes: Uint8Array, initializer: string, index: number, delta: number): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const tensor = model.graph?.initializer?.find((t) => t.name === initializer);
  if (!tensor?.rawData) throw new Error(`no raw initializer ${initializer}`);
  const raw = Uint8Array.from(tensor.rawData);
  const view = new DataView(raw.buffer);
  view.setFloat32(index * 4, view.getFloat32(index * 4, true) + delta, true);
  tensor.rawData = raw;
  return onnx.ModelProto.encode(model).finish();
}

describe('tiny ResNet: onnxruntime vs reference interpreter', () => {
  const bytes = buildTinyResNet(7);
  const input = normalArray(
    createSeededRandom(99),
    DIMS.reduce((a, b) => a * b, 1),
    1,
  );

  it('has the intended structure', () => {
    expect(countOpTypes(bytes)).toEqual({
      Conv: 6,
      BatchNormalization: 6,
      Relu: 5,
      MaxPool: 1,
      Add: 2,
      GlobalAveragePool: 1,
      Flatten: 1,
      Gemm: 1,
    });
  });

  it('agrees within 1e-4 for a random batch of 2', async () => {
    const expected = runReference(bytes, input, DIMS);
    const actual = await runOrt(bytes, input);
    expect(maxAbsDiff(actual, expected)).toBeLessThan(1e-4);
    // Non-trivial logits: a comparison of all-zero outputs would prove nothing.
    expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(0.1);
    // The two images give different logits.
    expect(maxAbsDiff(expected.slice(0, TINY_NUM_CLASSES), expected.slice(TINY_NUM_CLASSES))).toBeGreaterThan(
      1e-2,
    );
  });

  it('detects a single perturbed weight and a different seed', async () => {
    const actual = await runOrt(bytes, input);
    const perturbed = perturb(bytes, 'layer2.0.bn2.running_mean', 3, 0.5);
    expect(maxAbsDiff(actual, runReference(perturbed, input, DIMS))).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(actual, runReference(buildTinyResNet(8), input, DIMS))).toBeGreaterThan(1e-2);
  });

  it('builds the same bytes for the same seed', () => {
    expect(Buffer.compare(buildTinyResNet(7), bytes)).toBe(0);
    expect(Buffer.compare(buildTinyResNet(8), bytes)).not.toBe(0);
  });
});
