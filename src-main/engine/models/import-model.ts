// Importing a user's ONNX classifier into the models folder (engine): validate it really runs, then store it with its settings.

import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Classifier } from '../classify/classifier.js';
import { IMAGENET_CLASS_COUNT, loadLabelFile } from '../classify/labels.js';
import type { ModelIo } from '../classify/model-io.js';
import { IMAGENET_MEAN, IMAGENET_STD, imagenetPreprocess, type Rgb } from '../imaging/preprocess-spec.js';
import { findCatalogEntry } from './catalog.js';
import { identifyModel } from './locate-model.js';
import {
  IMAGENET_LABELS_ID,
  MODEL_NAME_PATTERN,
  ModelSettingsSchema,
  settingsPathFor,
  type ModelSettings,
} from './model-settings.js';

export type ImportRefusal =
  | 'invalid-name'
  | 'name-taken'
  | 'not-found'
  | 'bad-settings'
  | 'bad-labels'
  | 'not-loadable'
  | 'size-mismatch'
  | 'does-not-run'
  | 'labels-mismatch';

export class ModelImportError extends Error {
  constructor(
    readonly refusal: ImportRefusal,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ModelImportError';
  }
}

export interface ImportModelRequest {
  /** The .onnx file to import. */
  file: string;
  name: string;
  /** Installed-models folder to store it in (created if missing). */
  modelsDir: string;
  /** Class names, one per output; without it the model must have 1000 outputs (ImageNet-1k). */
  labelsFile?: string | null;
  /** Input [height, width]; default the model's own, or 224 when it is dynamic. */
  inputSize?: readonly [number, number] | null;
  /** Default: the ImageNet ratio 256/224 of the smaller input side. */
  resizeShorter?: number | null;
  mean?: Rgb;
  std?: Rgb;
  /** Recorded as where it came from (default: `file`); `models quantize` names the fp32 parent. */
  importedFrom?: string;
  /** `models quantize`: the parent and the self-check, kept in the settings for `doctor`. */
  int8?: ModelSettings['int8'];
  now?: Date;
}

export interface ImportedModel {
  modelPath: string;
  settingsPath: string;
  labelsPath: string | null;
  settings: ModelSettings;
}

/** Throws ModelImportError('invalid-name') unless `name` is a valid model name. */
export function checkModelName(name: string): void {
  if (!MODEL_NAME_PATTERN.test(name)) {
    throw new ModelImportError(
      'invalid-name',
      `invalid model name "${name}": use 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  // These suffixes would collide with the model, labels and settings files of other names.
  if (/\.(onnx|labels|json)$/.test(name)) {
    throw new ModelImportError(
      'invalid-name',
      `invalid model name "${name}": it must not end in .onnx, .labels or .json`,
    );
  }
}

/** Validates `file` as a Skiptag classifier (loads and runs it on the CPU) and stores it as `<modelsDir>/<name>.onnx`. */
export async function importModel(request: ImportModelRequest): Promise<ImportedModel> {
  const { name, modelsDir } = request;
  checkModelName(name);
  const source = path.resolve(request.file);
  if (!(await stat(source).catch(() => null))?.isFile()) {
    throw new ModelImportError('not-found', `model file not found: ${source}`);
  }
  const modelPath = path.join(modelsDir, `${name}.onnx`);
  await refuseTaken(modelPath, name);
  const labels = request.labelsFile ? await readLabels(request.labelsFile) : null;

  await mkdir(modelsDir, { recursive: true });
  // Validate the copy, not the source: what was checked is then exactly what gets stored.
  const temp = path.join(modelsDir, `.${name}.onnx.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const written: string[] = [];
  try {
    await copyFile(source, temp, constants.COPYFILE_EXCL);
    await fsyncFile(temp);
    const { sha256 } = await identifyModel(temp);
    const checked = await checkModel(temp, source, request);
    const numClasses = checked.numClasses;
    if (labels && labels.count !== numClasses) {
      throw new ModelImportError(
        'labels-mismatch',
        `the model has ${numClasses} classes but ${labels.file} lists ${labels.count} labels`,
      );
    }
    if (!labels && numClasses !== IMAGENET_CLASS_COUNT) {
      throw new ModelImportError(
        'labels-mismatch',
        `the model has ${numClasses} classes, not ImageNet's ${IMAGENET_CLASS_COUNT}: give its class names with --labels FILE (one per line)`,
      );
    }
    const labelsName = `${name}.labels.txt`;
    const settings = ModelSettingsSchema.parse({
      name,
      source: 'imported',
      importedFrom: request.importedFrom ?? source,
      sha256,
      inputSize: [checked.height, checked.width],
      resizeShorter: checked.resizeShorter,
      mean: [...(request.mean ?? IMAGENET_MEAN)],
      std: [...(request.std ?? IMAGENET_STD)],
      numClasses,
      labels: labels ? labelsName : IMAGENET_LABELS_ID,
      importedAt: (request.now ?? new Date()).toISOString(),
      ...(request.int8 ? { int8: request.int8 } : {}),
    } satisfies ModelSettings);
    // The .onnx goes last: until it exists the model is not visible, so a crash leaves no half-imported model.
    const labelsPath = labels ? path.join(modelsDir, labelsName) : null;
    if (labels && labelsPath) await writeAtomically(labelsPath, labels.bytes, written);
    const settingsPath = settingsPathFor(modelPath);
    await writeAtomically(settingsPath, `${JSON.stringify(settings, null, 2)}\n`, written);
    await placeWithoutClobbering(temp, modelPath, name);
    return { modelPath, settingsPath, labelsPath, settings };
  } catch (error) {
    await Promise.all([temp, ...written].map((f) => rm(f, { force: true })));
    throw error;
  }
}

interface CheckedModel {
  height: number;
  width: number;
  resizeShorter: number;
  numClasses: number;
}

/** Loads the model with the real Classifier on the CPU, checks its shapes against the request and runs one batch. */
async function checkModel(temp: string, source: string, request: ImportModelRequest): Promise<CheckedModel> {
  const classifier = await Classifier.open(temp, { ep: 'cpu' }).catch((error: unknown) => {
    const reason = (error as Error).message.split(temp).join(source);
    throw new ModelImportError('not-loadable', `${source} is not a usable ONNX classifier: ${reason}`, {
      cause: error,
    });
  });
  try {
    const { height, width } = checkSize(classifier.io, request, source);
    const resizeShorter = request.resizeShorter ?? imagenetPreprocess(height, width).resizeShorter;
    if (resizeShorter < Math.min(height, width)) {
      throw new ModelImportError(
        'bad-settings',
        `--resize-shorter ${resizeShorter} is smaller than the ${height}x${width} crop`,
      );
    }
    const numClasses = await runOnce(classifier, source);
    return { height, width, resizeShorter, numClasses };
  } finally {
    await classifier.close();
  }
}

function checkSize(
  io: ModelIo,
  request: ImportModelRequest,
  source: string,
): { height: number; width: number } {
  const wanted = request.inputSize;
  if (!wanted) return { height: io.height, width: io.width };
  const [height, width] = wanted;
  if (height !== io.height || width !== io.width) {
    // A dynamic-size model is fed io's default side (224) by the Classifier, so only that size can work today.
    throw new ModelImportError(
      'size-mismatch',
      `--size ${height}x${width} does not match ${source}: Skiptag feeds it ${io.height}x${io.width} images (its fixed input size, or 224x224 when the size is dynamic)`,
    );
  }
  return { height, width };
}

/** One inference on a dummy batch: proves the model runs and tells its real class count. */
async function runOnce(classifier: Classifier, source: string): Promise<number> {
  const { io } = classifier;
  const count = io.fixedBatch ?? 2;
  let logits: Float32Array;
  try {
    logits = await classifier.run(new Float32Array(count * 3 * io.height * io.width), count);
  } catch (error) {
    throw new ModelImportError(
      'does-not-run',
      `${source} loads but fails to run: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const numClasses = logits.length / count;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new ModelImportError(
      'does-not-run',
      `${source} returned ${logits.length} values for ${count} images`,
    );
  }
  if (io.numClasses !== null && numClasses !== io.numClasses) {
    throw new ModelImportError(
      'does-not-run',
      `${source} declares ${io.numClasses} classes but returned ${numClasses} per image`,
    );
  }
  if (!logits.every(Number.isFinite)) {
    throw new ModelImportError('does-not-run', `${source} returned NaN or infinite scores on a test batch`);
  }
  return numClasses;
}

async function readLabels(file: string): Promise<{ file: string; count: number; bytes: Buffer }> {
  const resolved = path.resolve(file);
  try {
    const bytes = await readFile(resolved);
    return { file: resolved, count: (await loadLabelFile(resolved)).length, bytes };
  } catch (error) {
    throw new ModelImportError('bad-labels', (error as Error).message, { cause: error });
  }
}

async function refuseTaken(modelPath: string, name: string): Promise<void> {
  // A catalogue id names the zoo model `skiptag models install` would put there; an import must not pose as it.
  const entry = await findCatalogEntry(name).catch(() => undefined);
  if (entry) {
    throw new ModelImportError(
      'name-taken',
      `"${name}" is the id of the catalogue model ${entry.name} (skiptag models install ${name}); choose another --name`,
    );
  }
  if (await stat(modelPath).catch(() => null)) {
    throw new ModelImportError(
      'name-taken',
      `a model named "${name}" already exists (${modelPath}); choose another --name`,
    );
  }
}

/** Hard link then unlink: unlike rename, link fails when the name was taken meanwhile (two imports at once). */
async function placeWithoutClobbering(temp: string, target: string, name: string): Promise<void> {
  try {
    await link(temp, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new ModelImportError('name-taken', `a model named "${name}" was just added by someone else`);
    }
    // Some file systems (FAT, some network shares) have no hard links: fall back to a checked rename.
    await refuseTaken(target, name);
    await rename(temp, target);
    return;
  }
  // The model is in place; a leftover hidden temp file is harmless, so do not fail the import over it.
  await unlink(temp).catch(() => undefined);
}

async function writeAtomically(target: string, data: string | Buffer, written: string[]): Promise<void> {
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await writeFile(temp, data, { flush: true });
    await rename(temp, target);
    written.push(target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
