// Library file and models folders for the doctor report (engine): read-only looks, nothing is opened or migrated.

import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readSchemaVersion } from '../library/migrations.js';
import { listModelFiles, locateModel } from '../models/locate-model.js';
import { readModelSettings } from '../models/model-settings.js';
import type { LibraryReport, ModelEntry, ModelsReport } from './doctor-report.js';

/**
 * Existence, size and schema version of the library. Opening it with the Library class would run
 * migrations, so the version comes from the file header instead (a change still in the WAL shows up
 * there only after the next checkpoint).
 */
export async function libraryReport(file: string): Promise<LibraryReport> {
  const info = await stat(file).catch(() => null);
  const base = { path: file, walBytes: null, schemaVersion: null };
  if (!info) return { ...base, exists: false, sizeBytes: null, error: null };
  if (!info.isFile()) return { ...base, exists: true, sizeBytes: null, error: 'not a regular file' };
  const wal = await stat(`${file}-wal`).catch(() => null);
  try {
    return {
      path: file,
      exists: true,
      sizeBytes: info.size,
      walBytes: wal?.isFile() ? wal.size : null,
      schemaVersion: await readSchemaVersion(file, info.size),
      error: null,
    };
  } catch (error) {
    return { ...base, exists: true, sizeBytes: info.size, error: (error as Error).message };
  }
}

/** Installed, imported and bundled models, and which one `skiptag tag` uses for `model` (null: the search). */
export async function modelsReport(
  modelsDir: string,
  bundledDir: string,
  model: string | null,
): Promise<ModelsReport> {
  const dirInfo = await stat(modelsDir).catch(() => null);
  let defaultModel: string | null = null;
  let defaultModelError: string | null = null;
  try {
    defaultModel = await locateModel(model, modelsDir, bundledDir);
  } catch (error) {
    defaultModelError = (error as Error).message;
  }
  const same = path.resolve(modelsDir) === path.resolve(bundledDir);
  return {
    dir: modelsDir,
    dirExists: dirInfo?.isDirectory() ?? false,
    installed: await describeFolder(modelsDir),
    bundledDir,
    bundled: same ? [] : await describeFolder(bundledDir),
    defaultModel,
    defaultModelError,
  };
}

async function describeFolder(dir: string): Promise<ModelEntry[]> {
  return Promise.all(listModelFiles(dir).map((file) => describeModel(path.join(dir, file))));
}

async function describeModel(file: string): Promise<ModelEntry> {
  const entry: ModelEntry = {
    name: path.basename(file).replace(/\.onnx$/i, ''),
    path: file,
    // The file may vanish between listing and stat (an import or uninstall running meanwhile).
    sizeBytes: (await stat(file).catch(() => null))?.size ?? 0,
    source: null,
    numClasses: null,
    inputSize: null,
    labels: null,
    settingsError: null,
  };
  try {
    const settings = await readModelSettings(file);
    if (settings) {
      entry.source = settings.source;
      entry.numClasses = settings.numClasses;
      entry.inputSize = settings.inputSize;
      entry.labels = settings.labels;
    }
  } catch (error) {
    entry.settingsError = (error as Error).message;
  }
  return entry;
}
