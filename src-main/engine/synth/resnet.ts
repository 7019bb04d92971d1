// Synthetic ResNet-18 / ResNet-50 v1.5 ONNX models with the real architectures and seeded random weights (engine process).
import { OnnxGraphBuilder, batchDim } from './onnx-graph-builder.js';
import {
  BOTTLENECK_EXPANSION,
  basicBlock,
  bottleneckBlock,
  convBn,
  type BatchNormInit,
  type BlockContext,
} from './resnet-blocks.js';
import { createSeededRandom, uniformArray } from './seeded-random.js';

export type ResNetArch = 'resnet18' | 'resnet50';

export interface ResNetOptions {
  seed?: number;
  /** Default 1000 (ImageNet). */
  numClasses?: number;
  /** Square input side; default 224. */
  inputSize?: number;
  /** Fixed batch size instead of the symbolic "N". */
  fixedBatch?: number;
}

export const RESNET_INPUT_NAME = 'data';
export const RESNET_OUTPUT_NAME = 'logits';

/** Blocks per stage, as in the paper and torchvision. */
const STAGE_BLOCKS: Record<ResNetArch, readonly number[]> = {
  resnet18: [2, 2, 2, 2],
  resnet50: [3, 4, 6, 3],
};
const STAGE_WIDTHS = [64, 128, 256, 512] as const;

/**
 * Identity BatchNorm (gamma 1, beta 0, mean 0, var 1) like a freshly initialised torchvision model, except
 * the last BN of each residual branch (gamma 0.2): with identity BNs every block would add a branch as large
 * as its input and the logits of a 16-block network would be enormous.
 */
const quietBatchNorm: BatchNormInit = (channels, role) => ({
  scale: new Float32Array(channels).fill(role === 'branch-end' ? 0.2 : 1),
  bias: new Float32Array(channels),
  mean: new Float32Array(channels),
  variance: new Float32Array(channels).fill(1),
});

/** Serialized ONNX bytes of a ResNet with deterministic weights: same arch, options and seed → same bytes. */
export function buildResNet(arch: ResNetArch, options: ResNetOptions = {}): Uint8Array {
  const { seed = 1, numClasses = 1000, inputSize = 224, fixedBatch } = options;
  const builder = new OnnxGraphBuilder(arch);
  const ctx: BlockContext = { builder, random: createSeededRandom(seed), batchNorm: quietBatchNorm };
  const batch = batchDim(fixedBatch);

  const data = builder.addInput(RESNET_INPUT_NAME, [batch, 3, inputSize, inputSize]);
  const stem = convBn(ctx, data, {
    convName: 'conv1',
    bnName: 'bn1',
    inChannels: 3,
    outChannels: 64,
    kernel: 7,
    stride: 2,
    pad: 3,
  });
  let x = builder.maxPool('maxpool', builder.relu('relu', stem), { kernel: 3, stride: 2, pad: 1 });

  let channels = 64;
  STAGE_BLOCKS[arch].forEach((blocks, stage) => {
    const width = STAGE_WIDTHS[stage] ?? 512;
    for (let block = 0; block < blocks; block++) {
      // The first block of every stage but the first halves the resolution.
      const stride = block === 0 && stage > 0 ? 2 : 1;
      const prefix = `layer${stage + 1}.${block}`;
      if (arch === 'resnet18') {
        x = basicBlock(ctx, prefix, x, channels, width, stride);
        channels = width;
      } else {
        x = bottleneckBlock(ctx, prefix, x, channels, width, stride);
        channels = width * BOTTLENECK_EXPANSION;
      }
    }
  });

  const pooled = builder.flatten('flatten', builder.globalAveragePool('avgpool', x));
  // torchvision's nn.Linear default init: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias.
  const bound = 1 / Math.sqrt(channels);
  const weight = builder.addInitializer(
    'fc.weight',
    [numClasses, channels],
    uniformArray(ctx.random, numClasses * channels, -bound, bound),
  );
  const bias = builder.addInitializer(
    'fc.bias',
    [numClasses],
    uniformArray(ctx.random, numClasses, -bound, bound),
  );
  const logits = builder.gemm(RESNET_OUTPUT_NAME, pooled, weight, bias);
  builder.addOutput(logits, [batch, numClasses]);
  return builder.toModelBytes();
}
