// `skiptag models import` (CLI): parses options, imports a user's ONNX classifier into the models folder, reports it.

import { parseArgs } from 'node:util';
import type { Rgb } from '../../engine/imaging/preprocess-spec.js';
import { checkModelName, importModel, ModelImportError } from '../../engine/models/import-model.js';
import { IMAGENET_LABELS_ID } from '../../engine/models/model-settings.js';
import { type CliIo, EXIT, FatalError, UsageError } from '../cli-io.js';
import { parseInteger } from '../parse-options.js';

export function modelsImportHelp(modelsDir: string): string {
  return `Usage: skiptag models import <file.onnx> --name NAME [options]

Checks that an ONNX image classifier works with Skiptag (float [N,3,H,W] input, [N,K] output,
loads and runs on the CPU) and copies it into the models folder, so "--model NAME" uses it.

Options:
  --name NAME           model name: 1-64 of a-z 0-9 . _ -, starting with a letter or digit
  --labels FILE         class names, one per output (required unless the model has 1000
                        outputs, which are taken as ImageNet-1k)
  --size N | HxW        input size the model was trained at (default: the model's own, else 224)
  --resize-shorter N    shorter side before the centre crop (default: size x 256/224)
  --mean R,G,B          per-channel mean of (x/255 - mean)/std (default 0.485,0.456,0.406)
  --std R,G,B           per-channel std (default 0.229,0.224,0.225)
  -h, --help            show this help

Models folder (set SKIPTAG_MODELS_DIR to use another): ${modelsDir}`;
}

/** `modelsDir`: where the model goes (the configuration's models folder). */
export async function modelsImportCommand(args: string[], io: CliIo, modelsDir: string): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      name: { type: 'string' },
      labels: { type: 'string' },
      size: { type: 'string' },
      'resize-shorter': { type: 'string' },
      mean: { type: 'string' },
      std: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(modelsImportHelp(modelsDir));
    return EXIT.ok;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    throw new UsageError('usage: skiptag models import <file.onnx> --name NAME [--labels FILE]');
  }
  if (values.name === undefined) throw new UsageError('--name NAME is required');
  try {
    checkModelName(values.name);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const request = {
    file,
    name: values.name,
    modelsDir,
    labelsFile: values.labels ?? null,
    inputSize: parseSize(values.size),
    resizeShorter:
      values['resize-shorter'] === undefined
        ? null
        : parseInteger('resize-shorter', values['resize-shorter'], 0, 1, 8192),
    mean: parseRgb('mean', values.mean, false),
    std: parseRgb('std', values.std, true),
  };
  io.err(`checking ${file} …`);
  let imported;
  try {
    imported = await importModel(request);
  } catch (error) {
    if (error instanceof ModelImportError)
      throw new FatalError(`cannot import: ${error.message}`, { cause: error });
    throw error;
  }
  const s = imported.settings;
  io.err(`imported "${s.name}" → ${imported.modelPath}`);
  io.err(
    `  input ${s.inputSize[0]}x${s.inputSize[1]} (shorter side resized to ${s.resizeShorter}), mean ${s.mean.join(',')}, std ${s.std.join(',')}`,
  );
  io.err(
    `  ${s.numClasses} classes, labels: ${s.labels === IMAGENET_LABELS_ID ? 'ImageNet-1k (bundled)' : imported.labelsPath}`,
  );
  io.err(`  sha256 ${s.sha256}`);
  io.err(`Use it with: skiptag tag PHOTOS --model ${s.name}`);
  return EXIT.ok;
}

function parseSize(value: string | undefined): [number, number] | null {
  if (value === undefined) return null;
  const match = /^\s*(\d+)\s*(?:[x×,]\s*(\d+)\s*)?$/i.exec(value);
  const height = Number(match?.[1]);
  const width = match?.[2] === undefined ? height : Number(match[2]);
  if (!match || !(height >= 1 && height <= 8192 && width >= 1 && width <= 8192)) {
    throw new UsageError(`--size must be N or HxW with sides from 1 to 8192, got "${value}"`);
  }
  return [height, width];
}

function parseRgb(name: string, value: string | undefined, positive: boolean): Rgb | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(',').map((p) => p.trim());
  const numbers = parts.map(Number);
  const [r, g, b] = numbers;
  const valid =
    parts.length === 3 &&
    parts.every((p) => p !== '') &&
    numbers.every((n) => Number.isFinite(n) && (!positive || n > 0));
  if (!valid || r === undefined || g === undefined || b === undefined) {
    throw new UsageError(
      `--${name} must be three ${positive ? 'positive ' : ''}numbers separated by commas, got "${value}"`,
    );
  }
  return [r, g, b];
}
