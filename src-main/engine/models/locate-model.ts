// Finding the model file and its labels (engine): a path or name asked for, else installed, then bundled models; a model's identity.

import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { AppError } from '../../shared/error-codes.js';
import { findPackageRoot } from '../package-root.js';
import { cachedModelHash } from './model-hash-cache.js';

/** The catalogue model `skiptag models install` recommends, and the one preferred when several are present. */
export const RECOMMENDED_MODEL_ID = 'resnet50-v2-7';

/** Zoo files in the order Skiptag prefers them when several sit in a models folder. */
export const PREFERRED_MODEL_FILES = [
  `${RECOMMENDED_MODEL_ID}.onnx`,
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

/** No model to tag with, or the one asked for is not there: callers across a process see `model_not_found`. */
export class ModelNotFoundError extends AppError {
  constructor(message: string) {
    super('model_not_found', message);
    this.name = 'ModelNotFoundError';
  }
}

/** The repository's (or installer's bundled) models/ folder: a model there is used without any download. */
export async function bundledModelsDir(): Promise<string> {
  return path.join(await findPackageRoot(), 'models');
}

/** @deprecated the bundled folder; kept for callers of the old name. */
export const defaultModelsDir = bundledModelsDir;

/** A bare model name or catalogue id (`resnet50-v2-7`, `my-birds`) rather than a file path. */
export function isModelName(value: string): boolean {
  return (
    value !== '' &&
    value !== '.' &&
    value !== '..' &&
    !value.includes('/') &&
    !value.includes('\\') &&
    !value.toLowerCase().endsWith('.onnx')
  );
}

/** `.onnx` files directly in `dir` (hidden and temporary files skipped), sorted by name; [] when it is missing. */
export function listModelFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((f) => f.toLowerCase().endsWith('.onnx') && !f.startsWith('.'))
    .filter((f) => isFile(path.join(dir, f)))
    .sort();
}

/** Files of one folder in search order: the recommended model, other known zoo files, then the rest alphabetically. */
export function orderModelFiles(files: readonly string[]): string[] {
  const known = PREFERRED_MODEL_FILES.filter((f) => files.includes(f));
  return [...known, ...files.filter((f) => !known.includes(f))];
}

/** Every model the search would consider, best first: the installed folder, then the bundled one. */
export function modelCandidates(modelsDir: string, bundledDir: string): string[] {
  const folders =
    path.resolve(modelsDir) === path.resolve(bundledDir) ? [modelsDir] : [modelsDir, bundledDir];
  return folders.flatMap((dir) => orderModelFiles(listModelFiles(dir)).map((f) => path.join(dir, f)));
}

/**
 * Resolves which model file to use; throws ModelNotFoundError with instructions when there is none.
 * Order: `requested` (the configuration's model: --model or $SKIPTAG_MODEL) as a path, or as a name looked
 * up as `<folder>/<name>.onnx`; otherwise the installed models folder `modelsDir` (recommended model first),
 * then the bundled models/ folder (default: the package's).
 */
export async function locateModel(
  requested: string | null | undefined,
  modelsDir: string,
  bundledDir?: string,
): Promise<string> {
  const bundled = bundledDir ?? (await bundledModelsDir());
  if (requested) return resolveRequested(requested, modelsDir, bundled);
  const found = modelCandidates(modelsDir, bundled)[0];
  if (found) return found;
  throw new ModelNotFoundError(firstRunMessage(modelsDir, bundled));
}

function resolveRequested(requested: string, modelsDir: string, bundledDir: string): string {
  if (isModelName(requested)) {
    const named = [modelsDir, bundledDir].map((dir) => path.join(dir, `${requested}.onnx`)).find(isFile);
    if (named) return named;
    // Before names existed `--model foo` meant the file ./foo; keep that working when no model has the name.
    if (isFile(path.resolve(requested))) return path.resolve(requested);
    throw new ModelNotFoundError(unknownNameMessage(requested, modelsDir, bundledDir));
  }
  const resolved = path.resolve(requested);
  if (!isFile(resolved)) throw new ModelNotFoundError(`model file not found: ${resolved}`);
  return resolved;
}

function unknownNameMessage(name: string, modelsDir: string, bundledDir: string): string {
  const available = modelCandidates(modelsDir, bundledDir).map((f) => path.basename(f, '.onnx'));
  return [
    `no model named "${name}" in ${modelsDir} or ${bundledDir}.`,
    available.length > 0
      ? `Models available by name: ${[...new Set(available)].join(', ')}.`
      : 'No models are installed yet.',
    `Install a catalogue model with: skiptag models install ${name}`,
    `import your own with: skiptag models import FILE.onnx --name ${name}`,
    'or pass a file path ending in .onnx.',
  ].join('\n');
}

/** What a first run without any model says: the exact commands that get one, online or not. */
export function firstRunMessage(modelsDir: string, bundledDir: string): string {
  return [
    'No model found. Skiptag needs an ONNX image classifier. Either:',
    `  - install the recommended ResNet-50 (about 100 MB, downloaded once): skiptag models install ${RECOMMENDED_MODEL_ID}`,
    '    (offline or behind a company proxy: add --mirror URL to fetch it from your own mirror), or',
    '  - pass --model path/to/model.onnx (or set SKIPTAG_MODEL), or add your own with',
    '    skiptag models import FILE.onnx --name NAME [--labels FILE], or',
    `  - build the offline colour demo model: skiptag models synth colours ${quote(path.join(modelsDir, 'colours.onnx'))}`,
    `Searched ${modelsDir} (installed models) and ${bundledDir} (bundled models).`,
  ].join('\n');
}

/** A labels file stored beside the model (model.labels.txt / .tsv / .json) is used when --labels is not given. */
export function sidecarLabelsFile(modelPath: string): string | null {
  const base = modelPath.replace(/\.onnx$/i, '');
  for (const ext of ['.labels.tsv', '.labels.txt', '.labels.json']) {
    if (existsSync(base + ext)) return base + ext;
  }
  return null;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function quote(file: string): string {
  return /^[\w./:\\-]+$/.test(file) ? file : `"${file}"`;
}

/** A model is known by the SHA-256 of its file, so a renamed copy is the same model. */
export interface ModelIdentity {
  sha256: string;
  name: string;
}

/**
 * With `cacheDir`, the hash comes from the model hash cache when the file is unchanged since it was last
 * hashed (model-hash-cache.ts): start-up then costs a stat instead of reading the whole model.
 */
export async function identifyModel(
  modelPath: string,
  options: { cacheDir?: string | null } = {},
): Promise<ModelIdentity> {
  const sha256 = options.cacheDir
    ? await cachedModelHash(modelPath, options.cacheDir, hashFile)
    : await hashFile(modelPath);
  return { sha256, name: path.basename(modelPath) };
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
