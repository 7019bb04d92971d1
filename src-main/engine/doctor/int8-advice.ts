// int8 advice for the doctor report (engine): times int8 against fp32 on this CPU and recommends the int8 model when there is no GPU.

import path from 'node:path';
import { identifyModel, listModelFiles } from '../models/locate-model.js';
import { readModelSettings, type ModelSettings } from '../models/model-settings.js';
import { quantizeOnTensors } from '../models/quantize-model.js';
import type { BenchmarkReport, ModelSpeed, ProviderReport } from './doctor-report.js';
import { cpuRate } from './model-speeds.js';
import { benchmarkProvider } from './provider-check.js';

/**
 * The benchmark ResNet-18 quantized the way `models quantize` does it, then timed like the fp32 one. Its
 * weights are random, so calibration uses synthetic inputs: this measures speed only. Accuracy is measured
 * per real model, on photos, by `models quantize` (and shown by the advice below).
 */
export async function benchmarkInt8(
  fp32Model: string,
  work: string,
  options: { seconds: number; threads: number; batch: number },
): Promise<BenchmarkReport> {
  const int8Model = path.join(work, 'bench-resnet18-int8.onnx');
  const tensors = Array.from({ length: 4 }, (_, k) => {
    const data = new Float32Array(3 * 224 * 224);
    for (let i = 0; i < data.length; i++) data[i] = 2 * Math.sin(i * 0.37 + k);
    return data;
  });
  await quantizeOnTensors(fp32Model, tensors, int8Model, { threads: options.threads });
  return benchmarkProvider('cpu', int8Model, options);
}

/** An installed int8 copy of `parentSha256` (made by `models quantize`), with its self-check. */
export async function findInt8Variant(
  parentSha256: string,
  modelsDir: string,
): Promise<{ name: string; int8: NonNullable<ModelSettings['int8']> } | null> {
  for (const file of listModelFiles(modelsDir)) {
    const settings = await readModelSettings(path.join(modelsDir, file)).catch(() => null);
    if (settings?.int8?.parentSha256 === parentSha256) return { name: settings.name, int8: settings.int8 };
  }
  return null;
}

/**
 * What to tell a user whose machine has no working GPU provider: use (or make) the int8 copy of the model
 * `tag` would use, with the measured speed-up and the copy's measured agreement with the original. Null
 * when a GPU provider works, or when there is nothing measured to base advice on.
 */
export async function int8Advice(
  providers: readonly ProviderReport[],
  defaultModel: string | null,
  modelsDir: string,
  modelSpeeds: readonly ModelSpeed[] = [],
): Promise<string | null> {
  if (providers.some((p) => p.provider !== 'cpu' && p.loads)) return null;
  const cpu = providers.find((p) => p.provider === 'cpu');
  if (!cpu?.benchmark || !cpu.int8Benchmark) return null;
  const fp32 = cpu.benchmark.imagesPerSecond;
  const int8 = cpu.int8Benchmark.imagesPerSecond;
  const speed = `ResNet-18 here: ${fp32.toFixed(1)} images/s fp32, ${int8.toFixed(1)} int8 (${(int8 / fp32).toFixed(1)}x)`;
  if (int8 <= fp32)
    return `No GPU provider works here, and int8 is not faster on this CPU (${speed}): stay with fp32.`;
  if (defaultModel === null) {
    return `No GPU provider works here; int8 models run faster on this CPU (${speed}). Install a model, then make an int8 copy with skiptag models quantize.`;
  }
  const parent = path.basename(defaultModel, '.onnx');
  // `models quantize` takes a name for models in the models folder, else the file.
  const given =
    path.dirname(path.resolve(defaultModel)) === path.resolve(modelsDir)
      ? parent
      : JSON.stringify(defaultModel);
  const existing = await findInt8Variant((await identifyModel(defaultModel)).sha256, modelsDir);
  if (existing) {
    const c = existing.int8;
    // The two real models timed on this CPU say more than the ResNet-18 stand-in.
    const parentRate = cpuRate(modelSpeeds, path.basename(defaultModel, '.onnx'));
    const copyRate = cpuRate(modelSpeeds, existing.name);
    const measured =
      parentRate !== null && copyRate !== null
        ? `measured here: ${parent} ${parentRate.toFixed(1)} images/s, ${existing.name} ${copyRate.toFixed(1)} (${(copyRate / parentRate).toFixed(1)}x)`
        : speed;
    return (
      `No GPU provider works here: use the int8 copy "${existing.name}" of ${parent} (--model ${existing.name}; ${measured}). ` +
      `Its accuracy cost, measured against ${parent} on ${c.images} photos: same top label ${(100 * c.top1Agreement).toFixed(0)}%, ` +
      `top-5 overlap ${(100 * c.meanTop5Overlap).toFixed(0)}%, logit cosine >= ${c.minCosine.toFixed(4)}.`
    );
  }
  return (
    `No GPU provider works here; int8 runs faster on this CPU (${speed}). Make an int8 copy of ${parent} ` +
    `(it is checked against ${parent} on your photos before it is saved): skiptag models quantize ${given} --name ${parent}-int8 --calibrate YOUR_PHOTOS`
  );
}
