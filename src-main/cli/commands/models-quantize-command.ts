// `skiptag models quantize` (CLI): int8 copy of a model, calibrated on the user's photos (decoded in a worker process), imported by name.

import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SkiptagConfig } from '../../engine/config.js';
import { ModelImportError, checkModelName } from '../../engine/models/import-model.js';
import { locateModel, ModelNotFoundError } from '../../engine/models/locate-model.js';
import {
  QuantizeRefusedError,
  quantizeModel,
  SELF_CHECK_LIMITS,
} from '../../engine/models/quantize-model.js';
import { findPackageRoot } from '../../engine/package-root.js';
import { walkInputs } from '../../engine/scan/walker.js';
import { WorkerSupervisor } from '../../engine/worker/worker-supervisor.js';
import { type CliIo, EXIT, FatalError, UsageError } from '../cli-io.js';
import { parseInteger } from '../parse-options.js';

export function modelsQuantizeHelp(modelsDir: string): string {
  return `Usage: skiptag models quantize <model> --name NAME [--calibrate FOLDER] [--images N]

Makes an int8 copy of a model (a name or an .onnx file) for fast CPU inference: batch norms are
folded, weights quantized per channel, activations calibrated by running the model on photos
(--calibrate FOLDER, default: the reference photos shipped with Skiptag; your own photos give the
best result). The copy is checked against the original on those photos (logit cosine >= ${SELF_CHECK_LIMITS.minCosine},
top-5 overlap >= ${100 * SELF_CHECK_LIMITS.minTop5Overlap}%) and refused when it disagrees; otherwise it is imported as NAME with the
original's labels and preprocessing ("--model NAME" then uses it everywhere).

Options:
  --name NAME         name of the int8 model (e.g. resnet50-v2-7-int8)
  --calibrate FOLDER  calibration photos (searched recursively)
  --images N          at most N calibration photos (default 32)
  --threads N         CPU threads (default: all cores)
  -h, --help          show this help

Models folder: ${modelsDir}`;
}

export async function modelsQuantizeCommand(
  args: string[],
  io: CliIo,
  config: SkiptagConfig,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      calibrate: { type: 'string' },
      images: { type: 'string' },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(modelsQuantizeHelp(config.models.dir));
    return EXIT.ok;
  }
  const [model, ...extra] = positionals;
  if (model === undefined || extra.length > 0) {
    throw new UsageError('usage: skiptag models quantize <model> --name NAME [--calibrate FOLDER]');
  }
  if (values.name === undefined) throw new UsageError('--name NAME is required');
  try {
    checkModelName(values.name);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const images = parseInteger('images', values.images, 32, 1, 10_000);
  const threads = values.threads ? parseInteger('threads', values.threads, 1, 1, 1024) : undefined;
  let parentPath: string;
  try {
    parentPath = await locateModel(model, config.models.dir);
  } catch (error) {
    if (error instanceof ModelNotFoundError) throw new FatalError(error.message);
    throw error;
  }
  const folder = path.resolve(values.calibrate ?? path.join(await findPackageRoot(), 'models', 'selftest'));
  const photos: string[] = [];
  for await (const item of walkInputs([folder])) {
    if (item.kind === 'error') io.err(`${item.display}: ${item.message}`);
    if (item.kind !== 'file') continue;
    const name = item.path.toString('utf8');
    // Tasks name files by string; a name that is not valid UTF-8 would not survive the trip.
    if (!Buffer.from(name).equals(item.path)) {
      io.err(`${item.display}: skipped (the name is not valid UTF-8)`);
      continue;
    }
    photos.push(name);
    if (photos.length >= images) break;
  }
  if (photos.length === 0) throw new FatalError(`no photos to calibrate on in ${folder}`);
  io.err(
    `quantizing ${path.basename(parentPath)} to int8 as "${values.name}" (calibration: ${photos.length} photos from ${folder})`,
  );
  // Every decode of a user's photo happens in a worker process; this one only runs tasks.
  const worker = await WorkerSupervisor.start({ model: null });
  try {
    const { imported, check } = await quantizeModel({
      parentPath,
      name: values.name,
      modelsDir: config.models.dir,
      photos,
      ...(threads ? { threads } : {}),
      preprocess: async (file, spec) => {
        const value = await worker.task({ kind: 'preprocess', path: file, ...spec });
        if (value.kind !== 'preprocess') throw new Error('the worker answered another task');
        return value.data;
      },
      onProgress: (message) => io.err(`${message}...`),
      onSkipped: (file, message) => io.err(`${file}: skipped: ${message}`),
    });
    io.err(
      `self-check on ${check.images} photos: logit cosine ${check.minCosine.toFixed(4)} (min), top-5 overlap ${(100 * check.meanTop5Overlap).toFixed(0)}%, same top label ${(100 * check.top1Agreement).toFixed(0)}%; ${check.integerKernels} integer kernels`,
    );
    io.out(`imported ${imported.settings.name}: ${imported.modelPath}`);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof QuantizeRefusedError || error instanceof ModelImportError) {
      throw new FatalError(`not quantized: ${error.message}`, { cause: error });
    }
    throw error;
  } finally {
    await worker.close();
  }
}
