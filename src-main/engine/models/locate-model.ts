// Finding the model file and its labels (engine): --model, SKIPTAG_MODEL, or a known ResNet in the models folder.

import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { findPackageRoot } from '../package-root.js';

/** Zoo files in the order Skiptag prefers them when several sit in the models folder. */
export const PREFERRED_MODEL_FILES = [
  'resnet50-v2-7.onnx',
  'resnet50-v1-12.onnx',
  'resnet50-v1-7.onnx',
  'resnet50-v1-12-int8.onnx',
  'resnet50-v1-12-qdq.onnx',
  'resnet101-v2-7.onnx',
  'resnet101-v1-7.onnx',
  'resnet152-v2-7.onnx',
  'resnet152-v1-7.onnx',
  'resnet34-v2-7.onnx',
  'resnet34-v1-7.onnx',
  'resnet18-v2-7.onnx',
  'resnet18-v1-7.onnx',
];

export class ModelNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelNotFoundError';
  }
}

export async function defaultModelsDir(): Promise<string> {
  return path.join(await findPackageRoot(), 'models');
}

/** Resolves which model file to use; throws ModelNotFoundError with instructions when there is none. */
export async function locateModel(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  modelsDir?: string,
): Promise<string> {
  const requested = explicit ?? env.SKIPTAG_MODEL;
  if (requested) {
    const resolved = path.resolve(requested);
    if (!existsSync(resolved) || !statSync(resolved).isFile()) {
      throw new ModelNotFoundError(`model file not found: ${resolved}`);
    }
    return resolved;
  }
  const dir = modelsDir ?? (await defaultModelsDir());
  const present = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.toLowerCase().endsWith('.onnx'))
        .sort()
    : [];
  const preferred = PREFERRED_MODEL_FILES.find((f) => present.includes(f)) ?? present[0];
  if (preferred) return path.join(dir, preferred);
  throw new ModelNotFoundError(
    [
      'No model found. Skiptag needs an ONNX image classifier:',
      `  - download resnet50-v2-7.onnx from the ONNX model zoo (validated/vision/classification/resnet) into ${dir}, or`,
      '  - pass --model path/to/model.onnx (or set SKIPTAG_MODEL), or',
      '  - build the offline colour demo model: skiptag models synth colours models/colours.onnx',
    ].join('\n'),
  );
}

/** A labels file stored beside the model (model.labels.txt / .tsv / .json) is used when --labels is not given. */
export function sidecarLabelsFile(modelPath: string): string | null {
  const base = modelPath.replace(/\.onnx$/i, '');
  for (const ext of ['.labels.tsv', '.labels.txt', '.labels.json']) {
    if (existsSync(base + ext)) return base + ext;
  }
  return null;
}
