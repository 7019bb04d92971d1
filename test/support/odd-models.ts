// Classifiers built to misbehave (test): scores that are not numbers, an input too large to allocate; real ONNX graphs run by onnxruntime.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { COLOUR_LABELS } from '../../src-main/engine/synth/colour-model.js';
import { batchDim, OnnxGraphBuilder } from '../../src-main/engine/synth/onnx-graph-builder.js';

/**
 * data [N,3,S,S] → GlobalAveragePool → Flatten → Gemm [N,11] → Sqrt. The Gemm gives every class the
 * photo's mean normalised red value (plus a small per-class step), so the square root is a number for
 * photos with a lot of red and NaN for the others (the normalised mean of a dark channel is negative).
 * `allNaN` makes the Gemm's bias NaN instead: every score of every photo is NaN.
 */
function sqrtRedModel(options: { allNaN: boolean; side: number }): Uint8Array {
  const builder = new OnnxGraphBuilder(options.allNaN ? 'nan-scores' : 'nan-for-dark-photos');
  const batch = batchDim();
  const data = builder.addInput('data', [batch, 3, options.side, options.side]);
  const mean = builder.flatten('flatten', builder.globalAveragePool('avgpool', data));
  const classes = COLOUR_LABELS.length;
  const weight = new Float32Array(classes * 3);
  const bias = new Float32Array(classes);
  for (let j = 0; j < classes; j++) {
    weight[j * 3] = 1;
    bias[j] = options.allNaN ? Number.NaN : j * 0.01;
  }
  const logits = builder.gemm(
    'fc',
    mean,
    builder.addInitializer('fc.weight', [classes, 3], weight),
    builder.addInitializer('fc.bias', [classes], bias),
    { transB: true },
  );
  const out = builder.addNode('Sqrt', 'logits', [logits]);
  builder.addOutput(out, [batch, classes]);
  return builder.toModelBytes();
}

async function writeModel(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.onnx`);
  await writeFile(file, bytes);
  await writeFile(path.join(dir, `${name}.labels.txt`), `${COLOUR_LABELS.join('\n')}\n`);
  return file;
}

/** Every score NaN (a broken model). */
export function writeNaNModel(dir: string): Promise<string> {
  return writeModel(dir, 'nan-scores', sqrtRedModel({ allNaN: true, side: 224 }));
}

/** NaN scores for photos without much red, numbers for red ones. */
export function writeNaNForDarkModel(dir: string): Promise<string> {
  return writeModel(dir, 'nan-for-dark', sqrtRedModel({ allNaN: false, side: 224 }));
}

/** A valid classifier whose declared input (N×3×side×side floats) is too large to hold in memory. */
export function writeHugeInputModel(dir: string, side = 50_000): Promise<string> {
  return writeModel(dir, 'huge-input', sqrtRedModel({ allNaN: false, side }));
}
