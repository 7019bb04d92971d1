// Installed models timed on this machine (engine): images/s per model and provider, for the doctor report and the app's settings.

import path from 'node:path';
import type { ModelEntry, ModelSpeed, ProviderReport } from './doctor-report.js';
import { benchmarkProvider, describe } from './provider-check.js';

/** Models timed at most: a user with a folder full of models still gets a report in reasonable time. */
export const MAX_TIMED_MODELS = 8;

export interface ModelSpeedOptions {
  seconds: number;
  threads: number;
  batch: number;
  progress: (message: string) => void;
}

/**
 * Times every installed model (the default one first, if it lives elsewhere) on every provider that
 * loaded, one session at a time. Why the real files rather than a synthetic network of the same shape:
 * an imported model, an int8 copy or an optimised graph runs at its own speed, and that is what the user
 * chooses between. A model that fails to run is reported with the reason; the others are still timed.
 */
export async function measureModelSpeeds(
  installed: readonly ModelEntry[],
  defaultModel: string | null,
  providers: readonly ProviderReport[],
  options: ModelSpeedOptions,
): Promise<ModelSpeed[]> {
  const files = new Map<string, string>();
  if (defaultModel && !installed.some((m) => path.resolve(m.path) === path.resolve(defaultModel))) {
    files.set(path.basename(defaultModel, '.onnx'), defaultModel);
  }
  for (const m of installed) if (!files.has(m.name)) files.set(m.name, m.path);
  const working = providers.filter((p) => p.loads).map((p) => p.provider);
  const speeds: ModelSpeed[] = [];
  for (const [name, file] of [...files].slice(0, MAX_TIMED_MODELS)) {
    for (const provider of working) {
      options.progress(`timing ${name} on ${provider}, ${options.seconds}s …`);
      try {
        const bench = await benchmarkProvider(provider, file, {
          seconds: options.seconds,
          threads: options.threads,
          batch: options.batch,
          label: name,
        });
        speeds.push({
          model: name,
          provider,
          imagesPerSecond: bench.imagesPerSecond,
          batch: bench.batch,
          note: null,
        });
      } catch (error) {
        speeds.push({
          model: name,
          provider,
          imagesPerSecond: null,
          batch: null,
          note: `could not be timed: ${describe(error, file)}`,
        });
      }
    }
  }
  if (files.size > MAX_TIMED_MODELS) {
    options.progress(`timed the first ${MAX_TIMED_MODELS} of ${files.size} models`);
  }
  return speeds;
}

/** The measured CPU rate of a model, by name (null: not timed). */
export function cpuRate(speeds: readonly ModelSpeed[], model: string): number | null {
  return speeds.find((s) => s.model === model && s.provider === 'cpu')?.imagesPerSecond ?? null;
}
