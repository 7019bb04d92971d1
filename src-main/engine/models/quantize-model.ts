// `models quantize` (engine): fold batch norms, calibrate on the user's photos, write int8 QDQ, check it against fp32, import it.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { Classifier } from '../classify/classifier.js';
import { identifyModel, sidecarLabelsFile } from './locate-model.js';
import type { PreprocessSpec } from '../imaging/preprocess-spec.js';
import { importModel, type ImportedModel } from './import-model.js';
import { IMAGENET_LABELS_ID, preprocessFor, readModelSettings } from './model-settings.js';
import { activationTensors, quantizeGraph, type Ranges, withIntermediateOutputs } from './quantize-graph.js';

const { onnx } = onnxProto;

/** The int8 model must agree with its parent this well on the calibration photos, or it is refused. */
export const SELF_CHECK_LIMITS = { minCosine: 0.98, minTop5Overlap: 0.8 } as const;

export interface SelfCheck {
  images: number;
  /** Smallest cosine similarity of int8 and fp32 logits over the photos. */
  minCosine: number;
  meanCosine: number;
  /** Mean share of the fp32 top-5 labels that are also in the int8 top 5. */
  meanTop5Overlap: number;
  top1Agreement: number;
  /** Integer operators in onnxruntime's optimized int8 graph (QLinearConv, QLinearAdd, QGemm, ...). */
  integerKernels: number;
}

export class QuantizeRefusedError extends Error {
  constructor(
    message: string,
    readonly check: SelfCheck | null,
  ) {
    super(message);
    this.name = 'QuantizeRefusedError';
  }
}

export interface QuantizeRequest {
  /** The fp32 model (a path: callers resolve names with locateModel). */
  parentPath: string;
  name: string;
  modelsDir: string;
  /** Calibration photos; each is decoded by `preprocess`, which must do it in a worker process. */
  photos: readonly string[];
  preprocess: (file: string, spec: PreprocessSpec) => Promise<Float32Array>;
  threads?: number;
  onProgress?: (message: string) => void;
  /** A photo that cannot be decoded: reported, and calibration goes on without it. */
  onSkipped?: (file: string, message: string) => void;
  /** Test seam: changes the calibrated ranges before quantizing (the sabotage test shows the check refuses). */
  adjustRanges?: (ranges: Ranges) => Ranges;
}

export interface QuantizeResult {
  imported: ImportedModel;
  check: SelfCheck;
}

export async function quantizeModel(request: QuantizeRequest): Promise<QuantizeResult> {
  const say = request.onProgress ?? (() => undefined);
  const threads = request.threads ?? os.availableParallelism();
  const work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-quantize-'));
  const parent = await Classifier.open(request.parentPath, { ep: 'cpu', threads });
  try {
    const spec = await preprocessFor(request.parentPath, parent.io);
    say(`decoding ${request.photos.length} calibration photos`);
    const tensors: Float32Array[] = [];
    for (const file of request.photos) {
      try {
        tensors.push(await request.preprocess(file, spec));
      } catch (error) {
        request.onSkipped?.(file, (error as Error).message);
      }
    }
    if (tensors.length === 0) throw new QuantizeRefusedError('no calibration photo could be decoded', null);
    const reference = [];
    for (const t of tensors) reference.push(await runOne(parent, t));

    say(`folding batch norms and calibrating on ${tensors.length} photos`);
    const int8Path = path.join(work, `${request.name}.onnx`);
    await quantizeOnTensors(request.parentPath, tensors, int8Path, {
      threads,
      ...(request.adjustRanges ? { adjustRanges: request.adjustRanges } : {}),
    });

    say('checking the int8 model against the fp32 one');
    const check = await selfCheck(int8Path, tensors, reference, threads, path.join(work, 'fused.onnx'));
    if (check.integerKernels === 0) {
      throw new QuantizeRefusedError('onnxruntime did not turn the model into integer kernels', check);
    }
    if (
      check.minCosine < SELF_CHECK_LIMITS.minCosine ||
      check.meanTop5Overlap < SELF_CHECK_LIMITS.minTop5Overlap
    ) {
      throw new QuantizeRefusedError(
        `the int8 model disagrees with the fp32 one on the calibration photos (logit cosine ${check.minCosine.toFixed(3)}, ` +
          `needs >= ${SELF_CHECK_LIMITS.minCosine}; top-5 overlap ${(100 * check.meanTop5Overlap).toFixed(0)}%, needs >= ` +
          `${100 * SELF_CHECK_LIMITS.minTop5Overlap}%): not saved. More varied calibration photos (--calibrate) may help.`,
        check,
      );
    }
    say('importing');
    const imported = await importModel({
      file: int8Path,
      name: request.name,
      modelsDir: request.modelsDir,
      labelsFile: await parentLabelsFile(request.parentPath),
      inputSize: [spec.cropHeight, spec.cropWidth],
      resizeShorter: spec.resizeShorter,
      mean: spec.mean,
      std: spec.std,
      importedFrom: `${path.resolve(request.parentPath)} (int8)`,
      int8: {
        parentSha256: (await identifyModel(request.parentPath)).sha256,
        parentName: path.basename(request.parentPath, '.onnx'),
        images: check.images,
        minCosine: check.minCosine,
        meanTop5Overlap: check.meanTop5Overlap,
        top1Agreement: check.top1Agreement,
      },
    });
    return { imported, check };
  } finally {
    await parent.close();
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Folds batch norms (onnxruntime's basic level, written through optimizedModelFilePath), calibrates the
 * activations on `tensors` (preprocessed model inputs) and writes the int8 QDQ model to `outPath`. No
 * self-check: `quantizeModel` adds it; the doctor uses this alone to time int8 against fp32.
 */
export async function quantizeOnTensors(
  parentPath: string,
  tensors: readonly Float32Array[],
  outPath: string,
  options: { threads: number; adjustRanges?: (ranges: Ranges) => Ranges },
): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-fold-'));
  try {
    const folded = path.join(work, 'folded.onnx');
    const folding = await ort.InferenceSession.create(parentPath, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'basic',
      optimizedModelFilePath: folded,
      logSeverityLevel: 3,
    });
    const meta = folding.inputMetadata[0];
    await folding.release();
    const foldedBytes = new Uint8Array(await readFile(folded));
    const shape = meta?.isTensor ? meta.shape : [];
    const side = (i: number) =>
      typeof shape[i] === 'number' && (shape[i] as number) > 0 ? (shape[i] as number) : 224;
    const ranges = await calibrate(foldedBytes, tensors, [side(2), side(3)], options.threads);
    const { bytes, weighted } = quantizeGraph(foldedBytes, options.adjustRanges?.(ranges) ?? ranges);
    if (weighted === 0) throw new QuantizeRefusedError('the model has no Conv or Gemm to quantize', null);
    await writeFile(outPath, bytes);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The parent's own labels file (its settings' or the sidecar), or null for ImageNet-1k. */
async function parentLabelsFile(parentPath: string): Promise<string | null> {
  const settings = await readModelSettings(parentPath);
  if (settings && settings.labels !== IMAGENET_LABELS_ID)
    return path.join(path.dirname(parentPath), settings.labels);
  return sidecarLabelsFile(parentPath);
}

/** One photo through a classifier, padded to its fixed batch if it has one; returns that photo's logits. */
async function runOne(classifier: Classifier, tensor: Float32Array): Promise<Float32Array> {
  const count = classifier.io.fixedBatch ?? 1;
  const data = new Float32Array(count * tensor.length);
  data.set(tensor);
  const logits = await classifier.run(data, count);
  return logits.slice(0, logits.length / count);
}

/** Min and max of every activation the int8 graph quantizes, over the calibration photos. */
async function calibrate(
  folded: Uint8Array,
  tensors: readonly Float32Array[],
  [height, width]: [number, number],
  threads: number,
): Promise<Ranges> {
  const names = activationTensors(onnx.ModelProto.decode(folded));
  const session = await ort.InferenceSession.create(withIntermediateOutputs(folded, names), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'disabled',
    intraOpNumThreads: threads,
    logSeverityLevel: 3,
  });
  const ranges: Ranges = new Map();
  const note = (name: string, data: ArrayLike<number>) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i] ?? 0;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const [a, b] = ranges.get(name) ?? [Infinity, -Infinity];
    ranges.set(name, [Math.min(a, lo), Math.max(b, hi)]);
  };
  try {
    const inputName = session.inputNames[0] ?? '';
    const meta = session.inputMetadata[0];
    const fixed =
      meta?.isTensor && typeof meta.shape[0] === 'number' && meta.shape[0] > 0 ? meta.shape[0] : 1;
    for (const tensor of tensors) {
      const data = new Float32Array(fixed * tensor.length);
      data.set(tensor);
      const outputs = await session.run({
        [inputName]: new ort.Tensor('float32', data, [fixed, 3, height, width]),
      });
      note(inputName, tensor);
      for (const name of names) {
        const value = outputs[name];
        // Only the first photo of a padded fixed batch is real.
        if (value) note(name, (value.data as Float32Array).subarray(0, value.data.length / fixed));
      }
    }
  } finally {
    await session.release();
  }
  return ranges;
}

async function selfCheck(
  int8Path: string,
  tensors: readonly Float32Array[],
  reference: readonly Float32Array[],
  threads: number,
  fusedPath: string,
): Promise<SelfCheck> {
  // What onnxruntime really runs: its fully optimized graph, where QDQ groups became integer operators.
  const fused = await ort.InferenceSession.create(int8Path, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    optimizedModelFilePath: fusedPath,
    logSeverityLevel: 3,
  });
  await fused.release();
  const fusedGraph = onnx.ModelProto.decode(await readFile(fusedPath)).graph;
  const integerKernels = (fusedGraph?.node ?? []).filter((n) =>
    /^(QLinear|QGemm|MatMulInteger|ConvInteger|DynamicQuantize)/.test(n.opType ?? ''),
  ).length;
  const int8 = await Classifier.open(int8Path, { ep: 'cpu', threads });
  try {
    let minCosine = 1;
    let sumCosine = 0;
    let sumOverlap = 0;
    let top1 = 0;
    for (const [i, tensor] of tensors.entries()) {
      const a = reference[i] ?? new Float32Array();
      const b = await runOne(int8, tensor);
      const c = cosine(a, b);
      minCosine = Math.min(minCosine, c);
      sumCosine += c;
      const ta = topK(a, 5);
      const tb = topK(b, 5);
      sumOverlap += ta.filter((k) => tb.includes(k)).length / ta.length;
      if (ta[0] === tb[0]) top1 += 1;
    }
    const n = tensors.length;
    return {
      images: n,
      minCosine,
      meanCosine: sumCosine / n,
      meanTop5Overlap: sumOverlap / n,
      top1Agreement: top1 / n,
      integerKernels,
    };
  } finally {
    await int8.close();
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? (na === nb ? 1 : 0) : dot / Math.sqrt(na * nb);
}

function topK(values: Float32Array, k: number): number[] {
  return [...values.keys()]
    .sort((x, y) => (values[y] ?? 0) - (values[x] ?? 0))
    .slice(0, Math.min(k, values.length));
}
