// Hand-computed checks of the reference interpreter's kernels, so its agreement with onnxruntime means something (engine).
import { describe, it, expect } from 'vitest';
import {
  add,
  batchNormalization,
  conv,
  flatten,
  gemm,
  globalAveragePool,
  maxPool,
  relu,
  type Attributes,
} from '../support/onnx-reference/reference-ops.js';
import type { RefAttribute, RefTensor } from '../support/onnx-reference/reference-model.js';

const t = (dims: number[], values: number[]): RefTensor => ({ dims, data: Float32Array.from(values) });
const attrs = (entries: Record<string, RefAttribute> = {}): Attributes => new Map(Object.entries(entries));
const values = (tensor: RefTensor) => Array.from(tensor.data);

// 3×3 image 1..9, one channel.
const image = t([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);

describe('reference kernels', () => {
  it('Conv: 3×3 ones with pad 1 stride 2 sums the in-bounds neighbourhood, plus bias', () => {
    const ones = t([1, 1, 3, 3], new Array<number>(9).fill(1));
    const out = conv(image, ones, t([1], [10]), attrs({ pads: [1, 1, 1, 1], strides: [2, 2] }));
    expect(out.dims).toEqual([1, 1, 2, 2]);
    // Corners of the padded image: 1+2+4+5, 2+3+5+6, 4+5+7+8, 5+6+8+9.
    expect(values(out)).toEqual([22, 26, 34, 38]);
  });

  it('Conv: 1×1 mixes channels per output channel', () => {
    const x = t([1, 2, 1, 2], [1, 2, 10, 20]);
    const w = t([2, 2, 1, 1], [1, 1, 2, -1]);
    expect(values(conv(x, w, undefined, attrs()))).toEqual([11, 22, -8, -16]);
  });

  it('BatchNormalization applies scale * (x - mean) / sqrt(var + eps) + bias per channel', () => {
    const x = t([1, 2, 1, 1], [3, 5]);
    const out = batchNormalization(
      x,
      [t([2], [2, 1]), t([2], [1, 0]), t([2], [1, 1]), t([2], [4, 16])],
      attrs({ epsilon: 0 }),
    );
    // 2·(3−1)/2 + 1 and 1·(5−1)/4 + 0.
    expect(values(out)).toEqual([3, 1]);
  });

  it('MaxPool treats padding as -infinity', () => {
    const negative = t([1, 1, 3, 3], [-1, -2, -3, -4, -5, -6, -7, -8, -9]);
    const out = maxPool(negative, attrs({ kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }));
    expect(out.dims).toEqual([1, 1, 2, 2]);
    expect(values(out)).toEqual([-1, -2, -4, -5]);
  });

  it('Relu, Add with broadcasting, GlobalAveragePool and Flatten', () => {
    expect(values(relu(t([3], [-1, 0, 2])))).toEqual([0, 0, 2]);
    expect(values(add(t([2, 2], [1, 2, 3, 4]), t([2], [10, 20])))).toEqual([11, 22, 13, 24]);
    const pooled = globalAveragePool(image);
    expect(pooled.dims).toEqual([1, 1, 1, 1]);
    expect(values(pooled)).toEqual([5]);
    expect(flatten(t([2, 3, 2, 1], new Array<number>(12).fill(0)), attrs()).dims).toEqual([2, 6]);
  });

  it('Gemm honours transB, alpha and beta with a broadcast bias', () => {
    const a = t([1, 2], [1, 2]);
    const b = t([3, 2], [1, 0, 0, 1, 1, 1]);
    const out = gemm(a, b, t([3], [1, 2, 3]), attrs({ transB: 1, alpha: 2, beta: 10 }));
    expect(out.dims).toEqual([1, 3]);
    expect(values(out)).toEqual([12, 24, 36]);
  });
});
