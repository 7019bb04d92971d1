// Model files the user gives the app (engine, service process): the offline demo model built on request, and .onnx files dropped or picked in the window.

import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelSources } from '../config.js';
import { importModel, ModelImportError } from '../models/import-model.js';
import { sidecarLabelsFile } from '../models/locate-model.js';
import { buildColourModel } from '../synth/colour-model.js';
import { AppError } from '../../shared/errors.js';
import type { SettingsStore } from './settings-store.js';
import { DEMO_MODEL_ID, listModelInfos } from './settings-views.js';
import type { TagJobs } from './tag-jobs.js';
import type { WorkerManager } from './worker-manager.js';

export interface ModelFileDeps {
  modelSources: ModelSources;
  settings: SettingsStore;
  workers: WorkerManager;
  jobs: TagJobs;
}

/**
 * Writes the demo model and its labels into the models folder (labels first, each by temp file and rename,
 * so a model is never there without them). Building it takes a fraction of a second; nothing is downloaded.
 */
export async function writeDemoModel(modelsDir: string): Promise<string> {
  const model = buildColourModel();
  const file = path.join(modelsDir, `${DEMO_MODEL_ID}.onnx`);
  await mkdir(modelsDir, { recursive: true });
  await writeAtomically(path.join(modelsDir, `${DEMO_MODEL_ID}.labels.txt`), `${model.labels.join('\n')}\n`);
  await writeAtomically(file, model.bytes);
  return file;
}

async function writeAtomically(target: string, data: string | Uint8Array): Promise<void> {
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await writeFile(temp, data, { flush: true });
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** A dropped or picked file the service takes as a model to import rather than a photo to tag. */
export function isModelFile(file: string): boolean {
  return file.toLowerCase().endsWith('.onnx');
}

/** "My Birds (v2).onnx" → "my-birds-v2": a valid model name, unique among `taken`. */
export function modelNameFor(file: string, taken: ReadonlySet<string>): string {
  const base =
    path
      .basename(file)
      .replace(/\.onnx$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '')
      .replace(/\.(labels|json)$/, '')
      .slice(0, 56)
      .replace(/[-.]+$/, '') || 'model';
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

/**
 * The labels to import with a model: a dropped text file named after it (birds.txt, birds.labels.txt), the
 * only dropped text file, or the labels file beside it; null for a 1000-class ImageNet model.
 */
export function labelsFor(model: string, dropped: readonly string[], sidecar: string | null): string | null {
  const base = path
    .basename(model)
    .replace(/\.onnx$/i, '')
    .toLowerCase();
  const texts = dropped.filter((f) => /\.(txt|tsv|json)$/i.test(f));
  const named = texts.find((f) => {
    const name = path.basename(f).toLowerCase();
    return name.startsWith(`${base}.`) || name === `${base}.txt`;
  });
  return named ?? (texts.length === 1 ? (texts[0] ?? null) : sidecar);
}

/** A file dropped with a model that is neither the model nor a text file (its labels). */
export function isPhotoCandidate(file: string): boolean {
  return !isModelFile(file) && !/\.(txt|tsv|json)$/i.test(file);
}

/**
 * Imports dropped .onnx files into the models folder (checked by loading and running each on the CPU, as
 * `skiptag models import` does). The first becomes the model when none is chosen, and what waited for a
 * model starts. A model that cannot be imported fails the request with the reason.
 */
export async function importDroppedModels(
  ctx: ModelFileDeps,
  modelFiles: readonly string[],
  dropped: readonly string[],
): Promise<void> {
  const taken = new Set((await listModelInfos(ctx.modelSources)).map((m) => m.id));
  let first: string | null = null;
  for (const file of modelFiles) {
    const name = modelNameFor(file, taken);
    try {
      await importModel({
        file,
        name,
        modelsDir: ctx.modelSources.dir,
        labelsFile: labelsFor(file, dropped, sidecarLabelsFile(file)),
      });
    } catch (error) {
      if (error instanceof ModelImportError)
        throw new AppError('bad_request', `cannot import ${path.basename(file)}: ${error.message}`);
      throw error;
    }
    taken.add(name);
    first ??= name;
  }
  if (first !== null && ctx.settings.get().model === null) {
    await ctx.settings.update({ model: first });
    ctx.workers.invalidate();
  }
  ctx.jobs.retryAfterModelInstalled();
}
