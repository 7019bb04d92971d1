// The hand-designed colour classifier names uniform colour images correctly in onnxruntime and the reference (engine).
import { describe, it, expect } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildColourModel, COLOUR_LABELS } from '../../src-main/engine/synth/colour-model.js';
import { runReference } from '../support/onnx-reference/onnx-reference.js';
import { countOpTypes } from '../support/model-stats.js';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const SIZE = 224;

// Two everyday shades per label (mostly CSS named colours), none of them equal to a prototype.
const SHADES: [string, [number, number, number]][] = [
  ['red', [200, 30, 30]],
  ['red', [220, 20, 60]],
  ['orange', [255, 140, 0]],
  ['orange', [240, 130, 40]],
  ['yellow', [240, 220, 40]],
  ['yellow', [255, 215, 0]],
  ['green', [34, 139, 34]],
  ['green', [0, 128, 0]],
  ['cyan', [0, 200, 200]],
  ['cyan', [64, 224, 208]],
  ['blue', [30, 60, 200]],
  ['blue', [65, 105, 225]],
  ['purple', [128, 0, 128]],
  ['purple', [102, 51, 153]],
  ['magenta', [220, 40, 200]],
  ['magenta', [255, 0, 255]],
  ['white', [245, 245, 245]],
  ['white', [230, 230, 230]],
  ['grey', [128, 128, 128]],
  ['grey', [100, 100, 100]],
  ['black', [15, 15, 15]],
  ['black', [40, 40, 40]],
  ['brown', [139, 69, 19]],
  ['brown', [101, 67, 33]],
  ['pink', [255, 182, 193]],
  ['pink', [255, 105, 180]],
];

/** Uniform images, normalised exactly as the classifier's preprocessing does: NCHW, (x/255 - mean)/std. */
function uniformBatch(colours: readonly (readonly number[])[]): Float32Array {
  const plane = SIZE * SIZE;
  const data = new Float32Array(colours.length * 3 * plane);
  colours.forEach((rgb, n) => {
    for (let c = 0; c < 3; c++) {
      const value = ((rgb[c] ?? 0) / 255 - (MEAN[c] ?? 0)) / (STD[c] ?? 1);
      data.fill(value, (n * 3 + c) * plane, (n * 3 + c + 1) * plane);
    }
  });
  return data;
}

function argmaxLabels(logits: Float32Array, labels: readonly string[]): string[] {
  const out: string[] = [];
  for (let offset = 0; offset < logits.length; offset += labels.length) {
    const row = logits.subarray(offset, offset + labels.length);
    out.push(labels[row.indexOf(Math.max(...row))] ?? '?');
  }
  return out;
}

describe('colour model', () => {
  const { bytes, labels } = buildColourModel();
  const input = uniformBatch(SHADES.map(([, rgb]) => rgb));
  const dims = [SHADES.length, 3, SIZE, SIZE];
  const expected = SHADES.map(([label]) => label);

  it('is a residual model with the labels in order', () => {
    expect(labels).toEqual([...COLOUR_LABELS]);
    expect(labels).toEqual([
      'red',
      'orange',
      'yellow',
      'green',
      'cyan',
      'blue',
      'purple',
      'magenta',
      'white',
      'grey',
      'black',
      'brown',
      'pink',
    ]);
    // denormalise, the residual saturation boost (conv + add), per-pixel prototypes, their shares, labels.
    expect(countOpTypes(bytes)).toMatchObject({
      Conv: 3,
      Add: 1,
      Softmax: 1,
      GlobalAveragePool: 1,
      Gemm: 1,
      Log: 1,
    });
  });

  it('names every shade correctly in onnxruntime, and the reference agrees', async () => {
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
    let logits: Float32Array;
    try {
      const out = await session.run({ data: new ort.Tensor('float32', input, dims) });
      expect(out.logits?.dims).toEqual([SHADES.length, labels.length]);
      logits = out.logits?.data as Float32Array;
    } finally {
      await session.release();
    }
    expect(argmaxLabels(logits, labels)).toEqual(expected);

    const reference = runReference(bytes, input, dims);
    expect(argmaxLabels(reference, labels)).toEqual(expected);
    // onnxruntime averages 50k pixels in float32 (~1e-4 relative error, observed 0.012 after the ×20 temperature);
    // the reference accumulates in float64. Both are far inside the gaps between labels.
    const diff = Math.max(...reference.map((v, i) => Math.abs(v - (logits[i] ?? NaN))));
    expect(diff).toBeLessThan(0.05);
  });
});
