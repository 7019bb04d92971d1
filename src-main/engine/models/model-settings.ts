// Per-model settings file `<name>.json` beside an installed or imported model (engine): schema, reading, preprocessing.

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { ModelIo } from '../classify/model-io.js';
import { DEFAULT_MAX_PIXELS, imagenetPreprocess, type PreprocessSpec } from '../imaging/preprocess-spec.js';

/** Names of installed and imported models: short, lowercase, safe as a file name on every OS. */
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The value of `labels` for models that use the bundled ImageNet-1k class list. */
export const IMAGENET_LABELS_ID = 'imagenet-1k';

const side = z.number().int().min(1).max(8192);
const rgb = z.tuple([z.number(), z.number(), z.number()]);
const positiveRgb = z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]);

export const ModelSettingsSchema = z.object({
  name: z.string().regex(MODEL_NAME_PATTERN),
  source: z.enum(['imported', 'catalog']),
  /** The file it was imported from, or the URL it was downloaded from. */
  importedFrom: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Model input [height, width]: the centre crop. */
  inputSize: z.tuple([side, side]),
  /** Shorter side after resizing, before the crop. */
  resizeShorter: side,
  mean: rgb,
  std: positiveRgb,
  numClasses: z.number().int().min(1),
  /** 'imagenet-1k', or a labels file name in the same folder as the settings file. */
  labels: z.string().min(1),
  importedAt: z.iso.datetime({ offset: true }),
  /** Made by `models quantize`: the fp32 parent and how well the int8 copy agreed with it (its self-check). */
  int8: z
    .object({
      parentSha256: z.string().regex(/^[0-9a-f]{64}$/),
      parentName: z.string(),
      images: z.number().int().min(1),
      minCosine: z.number(),
      meanTop5Overlap: z.number().min(0).max(1),
      top1Agreement: z.number().min(0).max(1),
    })
    .optional(),
});

export type ModelSettings = z.infer<typeof ModelSettingsSchema>;

export class ModelSettingsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelSettingsError';
  }
}

/** `<folder>/<name>.onnx` → `<folder>/<name>.json`. */
export function settingsPathFor(modelPath: string): string {
  return `${modelPath.replace(/\.onnx$/i, '')}.json`;
}

/**
 * The settings stored beside a model, or null when there are none. A JSON file that is not ours (no
 * `source` of imported/catalog, e.g. some other tool's `model.json`) also gives null; ours but invalid
 * throws, because guessing the preprocessing would silently give wrong tags.
 */
export async function readModelSettings(modelPath: string): Promise<ModelSettings | null> {
  const file = settingsPathFor(modelPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ModelSettingsError(`cannot read model settings ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelSettingsError(`model settings ${file} are not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isOurs(parsed)) return null;
  const result = ModelSettingsSchema.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ModelSettingsError(`model settings ${file} are invalid: ${issues.join('; ')}`);
  }
  return result.data;
}

function isOurs(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || !('source' in value)) return false;
  return value.source === 'imported' || value.source === 'catalog';
}

/** The preprocessing a model's settings ask for; input size must match what the classifier feeds. */
export function preprocessFromSettings(settings: ModelSettings, io: ModelIo): PreprocessSpec {
  const [height, width] = settings.inputSize;
  if (height !== io.height || width !== io.width) {
    throw new ModelSettingsError(
      `model ${settings.name}: its settings say input ${height}x${width} but the model takes ${io.height}x${io.width}`,
    );
  }
  return {
    resizeShorter: settings.resizeShorter,
    cropHeight: height,
    cropWidth: width,
    mean: settings.mean,
    std: settings.std,
    maxPixels: DEFAULT_MAX_PIXELS,
  };
}

/** The PreprocessSpec for a model: its settings file when present, else the ImageNet standard for its input size. */
export async function preprocessFor(modelPath: string, io: ModelIo): Promise<PreprocessSpec> {
  const settings = await readModelSettings(modelPath);
  return settings ? preprocessFromSettings(settings, io) : imagenetPreprocess(io.height, io.width);
}
