// A tiny ResNet (32×32 input, 10 classes) with random BatchNorm statistics, small enough for the reference interpreter (engine process).
import { OnnxGraphBuilder, batchDim } from './onnx-graph-builder.js';
import { basicBlock, convBn, type BatchNormInit, type BlockContext } from './resnet-blocks.js';
import { createSeededRandom, normalArray, uniformArray, type SeededRandom } from './seeded-random.js';

export const TINY_INPUT_SIZE = 32;
export const TINY_NUM_CLASSES = 10;

export interface TinyResNetOptions {
  fixedBatch?: number;
}

/**
 * Random gamma, beta, running mean and running variance, unlike the identity BNs of a fresh network:
 * an identity BN would hide a wrong formula (or swapped scale/bias/mean/var inputs) from the cross-check.
 */
function randomBatchNorm(random: SeededRandom): BatchNormInit {
  return (channels) => ({
    scale: uniformArray(random, channels, 0.5, 1.5),
    bias: normalArray(random, channels, 0.2),
    mean: normalArray(random, channels, 0.2),
    variance: uniformArray(random, channels, 0.5, 2),
  });
}

/**
 * Input [N,3,32,32] → stem conv3×3 (8) + BN + ReLU + MaxPool 3×3/2 pad 1 → identity basic block (8)
 * → stride-2 basic block with projection shortcut (16) → GAP → Flatten → Gemm (10). Output "logits".
 */
export function buildTinyResNet(seed: number, options: TinyResNetOptions = {}): Uint8Array {
  const random = createSeededRandom(seed);
  const builder = new OnnxGraphBuilder('tiny-resnet');
  const ctx: BlockContext = { builder, random, batchNorm: randomBatchNorm(random) };
  const batch = batchDim(options.fixedBatch);

  const data = builder.addInput('data', [batch, 3, TINY_INPUT_SIZE, TINY_INPUT_SIZE]);
  const stem = convBn(ctx, data, {
    convName: 'conv1',
    bnName: 'bn1',
    inChannels: 3,
    outChannels: 8,
    kernel: 3,
    pad: 1,
  });
  let x = builder.maxPool('maxpool', builder.relu('relu', stem), { kernel: 3, stride: 2, pad: 1 });
  x = basicBlock(ctx, 'layer1.0', x, 8, 8, 1);
  x = basicBlock(ctx, 'layer2.0', x, 8, 16, 2);

  const pooled = builder.flatten('flatten', builder.globalAveragePool('avgpool', x));
  const weight = builder.addInitializer(
    'fc.weight',
    [TINY_NUM_CLASSES, 16],
    normalArray(random, TINY_NUM_CLASSES * 16, 0.25),
  );
  const bias = builder.addInitializer(
    'fc.bias',
    [TINY_NUM_CLASSES],
    normalArray(random, TINY_NUM_CLASSES, 0.1),
  );
  const logits = builder.gemm('logits', pooled, weight, bias);
  builder.addOutput(logits, [batch, TINY_NUM_CLASSES]);
  return builder.toModelBytes();
}
