// Hand-designed residual colour classifier whose answers are known in advance, for end-to-end tests (engine process).
import { IMAGENET_MEAN, IMAGENET_STD, type Rgb } from '../imaging/preprocess-spec.js';
import { OnnxGraphBuilder, batchDim } from './onnx-graph-builder.js';

export const COLOUR_LABELS = [
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
] as const;

export type ColourLabel = (typeof COLOUR_LABELS)[number];

/**
 * Prototype of each label in saturation-boosted RGB space ([0,1] before the boost). Tuned so that common
 * shades (CSS crimson, forestgreen, rebeccapurple, ...) land on their own label after the boost; a shade
 * half-way between two hues (e.g. dodgerblue, between cyan and blue) may fall either way.
 */
export const COLOUR_PROTOTYPES: Readonly<Record<ColourLabel, Rgb>> = {
  red: [0.9, 0.05, 0.05],
  orange: [1, 0.55, 0],
  yellow: [1, 0.95, 0.1],
  green: [0.05, 0.7, 0.1],
  cyan: [0, 0.9, 0.9],
  blue: [0.05, 0.15, 0.9],
  purple: [0.5, 0.05, 0.7],
  magenta: [1, 0.05, 0.9],
  white: [1, 1, 1],
  grey: [0.5, 0.5, 0.5],
  black: [0, 0, 0],
};

/** How far the residual block pushes each channel away from the pixel's grey level. */
export const SATURATION_BOOST = 0.5;
/** Logit temperature: large enough for confident softmax scores, small enough to stay far from overflow. */
export const COLOUR_TEMPERATURE = 20;

export interface ColourModelOptions {
  /** Square input side; default 224. */
  inputSize?: number;
  fixedBatch?: number;
}

export interface ColourModel {
  bytes: Uint8Array;
  labels: string[];
}

/**
 * data [N,3,S,S] normalised as (x/255 - mean)/std →
 * Conv1x1 undoing the normalisation (pixels in [0,1]) → x + Conv1x1(x) adding α·(x_c − mean_c x) →
 * GlobalAveragePool → Flatten → Gemm with logits k·(2·y·c_j − |c_j|²) = k·(|y|² − |y − c_j|²) − k·|y|²,
 * so the argmax is the prototype nearest to the image's boosted mean colour. Output "logits" [N,11].
 */
export function buildColourModel(options: ColourModelOptions = {}): ColourModel {
  const { inputSize = 224, fixedBatch } = options;
  const builder = new OnnxGraphBuilder('colour-classifier');
  const batch = batchDim(fixedBatch);
  const data = builder.addInput('data', [batch, 3, inputSize, inputSize]);

  // x_norm * std + mean = x / 255: a diagonal 1×1 conv whose bias is the mean.
  const denormWeight = new Float32Array(9);
  for (let c = 0; c < 3; c++) denormWeight[c * 3 + c] = IMAGENET_STD[c] ?? 1;
  const pixels = builder.conv(
    'denormalise',
    data,
    builder.addInitializer('denormalise.weight', [3, 3, 1, 1], denormWeight),
    builder.addInitializer('denormalise.bias', [3], Float32Array.from(IMAGENET_MEAN)),
    { kernel: 1 },
  );

  // α·(I − J/3): each output channel gains α times its distance from the mean of the three channels.
  const boostWeight = new Float32Array(9);
  for (let out = 0; out < 3; out++) {
    for (let inp = 0; inp < 3; inp++)
      boostWeight[out * 3 + inp] = SATURATION_BOOST * ((out === inp ? 1 : 0) - 1 / 3);
  }
  const delta = builder.conv(
    'boost.conv',
    pixels,
    builder.addInitializer('boost.conv.weight', [3, 3, 1, 1], boostWeight),
    undefined,
    { kernel: 1 },
  );
  const boosted = builder.add('boost.add', pixels, delta);
  const meanColour = builder.flatten('flatten', builder.globalAveragePool('avgpool', boosted));

  const classes = COLOUR_LABELS.length;
  const weight = new Float32Array(classes * 3);
  const bias = new Float32Array(classes);
  COLOUR_LABELS.forEach((label, j) => {
    const prototype = COLOUR_PROTOTYPES[label];
    let squaredNorm = 0;
    prototype.forEach((value, c) => {
      weight[j * 3 + c] = 2 * value;
      squaredNorm += value * value;
    });
    bias[j] = -squaredNorm;
  });
  // The temperature rides on Gemm's alpha and beta, so the stored weights stay the readable 2c and -|c|².
  const logits = builder.gemm(
    'logits',
    meanColour,
    builder.addInitializer('fc.weight', [classes, 3], weight),
    builder.addInitializer('fc.bias', [classes], bias),
    { alpha: COLOUR_TEMPERATURE, beta: COLOUR_TEMPERATURE },
  );
  builder.addOutput(logits, [batch, classes]);
  return { bytes: builder.toModelBytes(), labels: [...COLOUR_LABELS] };
}
