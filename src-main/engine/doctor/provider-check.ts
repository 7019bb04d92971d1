// Execution-provider checks for the doctor report (engine): does a session really load and run, and how fast.

import { Classifier } from '../classify/classifier.js';
import { providerUnavailableReason, type ProviderName } from '../classify/providers.js';
import type { BenchmarkReport } from './doctor-report.js';

/** Every provider onnxruntime-node can have on some platform, in the order the report lists them. */
export const ALL_PROVIDERS: readonly ProviderName[] = ['cpu', 'webgpu', 'cuda', 'dml', 'coreml'];

export interface LoadCheck {
  available: boolean;
  loads: boolean;
  error: string | null;
}

/**
 * Tries `provider` alone on a small model and runs one batch. Providers this platform cannot have are
 * not tried (WebGPU without Vulkan would print native warnings) and are reported with the reason.
 */
export async function checkProviderLoads(
  provider: ProviderName,
  modelPath: string,
  threads: number,
  platform: string = process.platform,
): Promise<LoadCheck> {
  const reason = providerUnavailableReason(provider, platform);
  if (reason !== null) return { available: false, loads: false, error: reason };
  try {
    const classifier = await Classifier.open(modelPath, { providers: [provider], threads });
    try {
      // Classifier.open only warms up GPU providers; run every one so "loads" always means "ran".
      const { io } = classifier;
      const count = io.fixedBatch ?? 2;
      const logits = await classifier.run(new Float32Array(count * 3 * io.height * io.width), count);
      if (logits.length === 0 || logits.length % count !== 0) {
        throw new Error(`returned ${logits.length} scores for ${count} images`);
      }
    } finally {
      await classifier.close();
    }
    return { available: true, loads: true, error: null };
  } catch (error) {
    return { available: true, loads: false, error: describe(error, modelPath) };
  }
}

/** Images per second of the model at `batch` on `provider`, timed for about `seconds` after one warm-up batch. */
export async function benchmarkProvider(
  provider: ProviderName,
  modelPath: string,
  options: { seconds: number; threads: number; batch: number; label?: string },
): Promise<BenchmarkReport> {
  const classifier = await Classifier.open(modelPath, { providers: [provider], threads: options.threads });
  try {
    const { io } = classifier;
    const batch = io.fixedBatch ?? options.batch;
    const input = new Float32Array(batch * 3 * io.height * io.width);
    for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.37);
    // The first run allocates memory and (on GPUs) compiles kernels; it would distort the rate.
    await classifier.run(input.slice(), batch);
    let images = 0;
    const started = performance.now();
    do {
      await classifier.run(input.slice(), batch);
      images += batch;
    } while (performance.now() - started < options.seconds * 1000);
    const seconds = (performance.now() - started) / 1000;
    return {
      model: options.label ?? 'resnet18',
      batch,
      inputSize: io.height,
      threads: classifier.threads,
      images,
      seconds: round(seconds, 3),
      imagesPerSecond: round(images / seconds, 2),
    };
  } finally {
    await classifier.close();
  }
}

/** The reason without the temporary model's path, which means nothing to the reader. */
export function describe(error: unknown, modelPath: string): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split(modelPath).join('the test model');
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
