// ResNet building blocks (conv+BN, basic block, bottleneck) with torchvision naming, for synthetic models (engine process).
import type { OnnxGraphBuilder } from './onnx-graph-builder.js';
import { heNormal, type SeededRandom } from './seeded-random.js';

/**
 * Where a BatchNormalization sits: the last one of a residual branch is initialised smaller so that the sum
 * x + branch(x) does not double the activation scale at every block of a deep random network.
 */
export type BatchNormRole = 'inner' | 'branch-end';

export interface BatchNormValues {
  scale: Float32Array;
  bias: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
}

export type BatchNormInit = (channels: number, role: BatchNormRole) => BatchNormValues;

export interface BlockContext {
  builder: OnnxGraphBuilder;
  random: SeededRandom;
  batchNorm: BatchNormInit;
}

export interface ConvBnSpec {
  convName: string;
  bnName: string;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  pad?: number;
  role?: BatchNormRole;
}

/** Bias-free conv (as in torchvision) followed by inference-mode BatchNormalization. */
export function convBn(ctx: BlockContext, input: string, spec: ConvBnSpec): string {
  const { builder, random } = ctx;
  const { convName, bnName, inChannels, outChannels, kernel, stride = 1, pad = 0, role = 'inner' } = spec;
  const fanIn = inChannels * kernel * kernel;
  const weight = builder.addInitializer(
    `${convName}.weight`,
    [outChannels, inChannels, kernel, kernel],
    heNormal(random, outChannels * fanIn, fanIn),
  );
  const conv = builder.conv(convName, input, weight, undefined, { kernel, stride, pad });
  const values = ctx.batchNorm(outChannels, role);
  const params = {
    scale: builder.addInitializer(`${bnName}.weight`, [outChannels], values.scale),
    bias: builder.addInitializer(`${bnName}.bias`, [outChannels], values.bias),
    mean: builder.addInitializer(`${bnName}.running_mean`, [outChannels], values.mean),
    variance: builder.addInitializer(`${bnName}.running_var`, [outChannels], values.variance),
  };
  return builder.batchNormalization(bnName, conv, params);
}

/** 1×1 conv + BN on the skip path when the block changes resolution or width; identity otherwise. */
function shortcut(
  ctx: BlockContext,
  prefix: string,
  input: string,
  inCh: number,
  outCh: number,
  stride: number,
) {
  if (stride === 1 && inCh === outCh) return input;
  return convBn(ctx, input, {
    convName: `${prefix}.downsample.0`,
    bnName: `${prefix}.downsample.1`,
    inChannels: inCh,
    outChannels: outCh,
    kernel: 1,
    stride,
  });
}

/** ResNet-18/34 block: 3×3 → 3×3, plus the skip, then ReLU. Returns the block output (channels = outChannels). */
export function basicBlock(
  ctx: BlockContext,
  prefix: string,
  input: string,
  inChannels: number,
  outChannels: number,
  stride: number,
): string {
  const { builder } = ctx;
  const c1 = convBn(ctx, input, {
    convName: `${prefix}.conv1`,
    bnName: `${prefix}.bn1`,
    inChannels,
    outChannels,
    kernel: 3,
    stride,
    pad: 1,
  });
  const r1 = builder.relu(`${prefix}.relu1`, c1);
  const c2 = convBn(ctx, r1, {
    convName: `${prefix}.conv2`,
    bnName: `${prefix}.bn2`,
    inChannels: outChannels,
    outChannels,
    kernel: 3,
    pad: 1,
    role: 'branch-end',
  });
  const skip = shortcut(ctx, prefix, input, inChannels, outChannels, stride);
  return builder.relu(`${prefix}.relu2`, builder.add(`${prefix}.add`, c2, skip));
}

/** Bottleneck expansion: a block of width w outputs 4w channels. */
export const BOTTLENECK_EXPANSION = 4;

/**
 * ResNet-50 v1.5 bottleneck: 1×1 reduce → 3×3 (carrying the stride, the v1.5 change) → 1×1 expand,
 * plus the skip, then ReLU. Returns the block output (channels = width * 4).
 */
export function bottleneckBlock(
  ctx: BlockContext,
  prefix: string,
  input: string,
  inChannels: number,
  width: number,
  stride: number,
): string {
  const { builder } = ctx;
  const outChannels = width * BOTTLENECK_EXPANSION;
  const c1 = convBn(ctx, input, {
    convName: `${prefix}.conv1`,
    bnName: `${prefix}.bn1`,
    inChannels,
    outChannels: width,
    kernel: 1,
  });
  const r1 = builder.relu(`${prefix}.relu1`, c1);
  const c2 = convBn(ctx, r1, {
    convName: `${prefix}.conv2`,
    bnName: `${prefix}.bn2`,
    inChannels: width,
    outChannels: width,
    kernel: 3,
    stride,
    pad: 1,
  });
  const r2 = builder.relu(`${prefix}.relu2`, c2);
  const c3 = convBn(ctx, r2, {
    convName: `${prefix}.conv3`,
    bnName: `${prefix}.bn3`,
    inChannels: width,
    outChannels,
    kernel: 1,
    role: 'branch-end',
  });
  const skip = shortcut(ctx, prefix, input, inChannels, outChannels, stride);
  return builder.relu(`${prefix}.relu3`, builder.add(`${prefix}.add`, c3, skip));
}
