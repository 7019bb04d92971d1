// Hand-designed residual colour classifier (engine process): the offline demo model, and a model whose answers tests know in advance.
import { IMAGENET_MEAN, IMAGENET_STD, type Rgb } from '../imaging/preprocess-spec.js';
import { OnnxGraphBuilder, batchDim } from './onnx-graph-builder.js';

/** The first eleven keep the indices of the first version; brown and pink complete Berlin and Kay's basic terms. */
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
  'brown',
  'pink',
] as const;

export type ColourLabel = (typeof COLOUR_LABELS)[number];

/**
 * Focal colours in sRGB ([0,1], before the boost), several per label where people use one name for a range:
 * a dark red and a bright one, a mustard yellow (a yellow wall in shade), olive and yellow-green for foliage,
 * tan for dry grass and sand, a pale sky blue. A pixel is named after the nearest prototype in the boosted
 * space; a shade half-way between two hues (e.g. dodgerblue, between cyan and blue) may fall either way.
 */
export const COLOUR_PROTOTYPES: readonly (readonly [ColourLabel, Rgb])[] = [
  ['white', [0.95, 0.95, 0.95]],
  ['grey', [0.6, 0.6, 0.6]],
  ['grey', [0.35, 0.35, 0.35]],
  ['black', [0.05, 0.05, 0.05]],
  ['red', [0.8, 0.1, 0.12]],
  ['red', [0.5, 0.06, 0.08]],
  ['orange', [0.95, 0.5, 0.1]],
  ['orange', [0.8, 0.38, 0.12]],
  ['yellow', [0.95, 0.85, 0.15]],
  ['yellow', [0.52, 0.48, 0.18]],
  ['brown', [0.45, 0.28, 0.15]],
  ['brown', [0.7, 0.55, 0.4]],
  ['green', [0.15, 0.55, 0.2]],
  ['green', [0.3, 0.4, 0.1]],
  ['green', [0.45, 0.55, 0.15]],
  ['cyan', [0.1, 0.75, 0.8]],
  ['blue', [0.15, 0.3, 0.75]],
  ['blue', [0.55, 0.65, 0.85]],
  ['purple', [0.5, 0.1, 0.6]],
  ['magenta', [0.85, 0.15, 0.75]],
  ['pink', [0.95, 0.6, 0.7]],
];

/**
 * How far the residual block pushes each channel away from the pixel's grey level: with 3, chroma counts four
 * times as much as lightness, so hue decides a name before brightness does (a yellow wall in shade stays
 * yellow, not grey), as it does for people.
 */
export const SATURATION_BOOST = 3;
/** Sharpness of each pixel's soft assignment to its nearest prototypes (on squared boosted distances). */
export const COLOUR_TEMPERATURE = 30;
/**
 * Each prototype's vote counts this much plus its own chroma: saturated colours catch the eye and get named
 * (a red bike, a blue jacket), a grey floor of the same size less so.
 */
export const SALIENCE_FLOOR = 0.15;
/** Side of the square patches named one by one (the input side must be a multiple of it). */
const BLOCK = 4;

export interface ColourModelOptions {
  /** Square input side; default 224. */
  inputSize?: number;
  fixedBatch?: number;
}

export interface ColourModel {
  bytes: Uint8Array;
  labels: string[];
}

/** The prototype as the boost block sees it: each channel pushed away from the mean of the three. */
function boosted(rgb: Rgb): [number, number, number] {
  const mean = (rgb[0] + rgb[1] + rgb[2]) / 3;
  return [0, 1, 2].map((c) => (rgb[c] ?? 0) + SATURATION_BOOST * ((rgb[c] ?? 0) - mean)) as [
    number,
    number,
    number,
  ];
}

export function salience(rgb: Rgb): number {
  return SALIENCE_FLOOR + Math.max(...rgb) - Math.min(...rgb);
}

/**
 * data [N,3,S,S] normalised as (x/255 - mean)/std →
 * Conv4x4/4 undoing the normalisation and averaging 4×4 patches (in [0,1]) → x + Conv1x1(x) adding α·(x_c − mean_c x) →
 * Conv1x1 giving each patch T·(2·y·p_j − |p_j|²) = T·(|y|² − |y − p_j|²) − T·|y|² per prototype p_j →
 * Softmax over prototypes (a soft nearest prototype per patch) → GlobalAveragePool (each prototype's share
 * of the picture) → Gemm summing the shares of each label's prototypes, weighted by their salience, plus a
 * tiny floor → Log. Output "logits" [N,13]: the app's softmax of these logs gives back the weighted shares,
 * so the scores read as "how much of the photo is this colour", several colours per photo.
 */
export function buildColourModel(options: ColourModelOptions = {}): ColourModel {
  const { inputSize = 224, fixedBatch } = options;
  const builder = new OnnxGraphBuilder('colour-classifier');
  const batch = batchDim(fixedBatch);
  const data = builder.addInput('data', [batch, 3, inputSize, inputSize]);

  // x_norm * std + mean = x / 255, averaged over BLOCK×BLOCK patches: a diagonal strided conv whose bias is
  // the mean. Naming 4×4 patches instead of single pixels smooths JPEG noise and keeps the per-prototype
  // tensors small (a batch of 8 would otherwise hold 8 × 21 × 224² floats twice over).
  const taps = BLOCK * BLOCK;
  const denormWeight = new Float32Array(9 * taps);
  for (let c = 0; c < 3; c++)
    denormWeight.fill((IMAGENET_STD[c] ?? 1) / taps, (c * 3 + c) * taps, (c * 3 + c + 1) * taps);
  const pixels = builder.conv(
    'denormalise',
    data,
    builder.addInitializer('denormalise.weight', [3, 3, BLOCK, BLOCK], denormWeight),
    builder.addInitializer('denormalise.bias', [3], Float32Array.from(IMAGENET_MEAN)),
    { kernel: BLOCK, stride: BLOCK },
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
  const boostedPixels = builder.add('boost.add', pixels, delta);

  const count = COLOUR_PROTOTYPES.length;
  const protoWeight = new Float32Array(count * 3);
  const protoBias = new Float32Array(count);
  COLOUR_PROTOTYPES.forEach(([, rgb], j) => {
    const p = boosted(rgb);
    p.forEach((value, c) => (protoWeight[j * 3 + c] = COLOUR_TEMPERATURE * 2 * value));
    protoBias[j] = -COLOUR_TEMPERATURE * p.reduce((sum, value) => sum + value * value, 0);
  });
  const nearness = builder.conv(
    'prototypes',
    boostedPixels,
    builder.addInitializer('prototypes.weight', [count, 3, 1, 1], protoWeight),
    builder.addInitializer('prototypes.bias', [count], protoBias),
    { kernel: 1 },
  );
  const assignment = builder.softmax('assign', nearness, 1);
  const shares = builder.flatten('flatten', builder.globalAveragePool('share', assignment));

  const classes = COLOUR_LABELS.length;
  const toLabels = new Float32Array(classes * count);
  COLOUR_PROTOTYPES.forEach(([label, rgb], j) => {
    toLabels[COLOUR_LABELS.indexOf(label) * count + j] = salience(rgb);
  });
  // The floor keeps Log finite for a colour with no share at all; it is far below any score shown.
  const weighted = builder.gemm(
    'labels',
    shares,
    builder.addInitializer('labels.weight', [classes, count], toLabels),
    builder.addInitializer('labels.bias', [classes], new Float32Array(classes).fill(1e-6)),
  );
  const logits = builder.log('logits', weighted);
  builder.addOutput(logits, [batch, classes]);
  return { bytes: builder.toModelBytes(), labels: [...COLOUR_LABELS] };
}
