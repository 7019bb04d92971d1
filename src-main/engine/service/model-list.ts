// models:list (engine): catalogue models with their install state, imported models and bundled ones, as ModelInfo rows.

import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModelInfo } from '../../shared/contract.js';
import type { ModelSources } from '../config.js';
import { loadCatalog, type Catalog } from '../models/catalog.js';
import { bundledModelsDir, listModelFiles } from '../models/locate-model.js';
import { listModels } from '../models/model-store.js';
import { AppError } from '../../shared/errors.js';

/** The catalogue the CLI uses too: `catalogFile` (private catalogues, tests), else the bundled one. */
export async function modelCatalog(catalogFile: string | null): Promise<Catalog> {
  try {
    return await loadCatalog(catalogFile ?? undefined);
  } catch (error) {
    throw new AppError('failed', (error as Error).message, { cause: error });
  }
}

/**
 * Every model `settings.model` can name: catalogue models in catalogue order (installed or not), then
 * models in the models folder the catalogue lacks (imported), then bundled files. A catalogue model that
 * is only bundled is listed once, as bundled and installed: it needs no download.
 */
export async function listModelInfos(
  sources: ModelSources,
  /** The bundled models folder; default the package's models/. */
  bundledFolder?: string,
): Promise<ModelInfo[]> {
  const catalog = await modelCatalog(sources.catalogFile);
  const { dir } = sources;
  const bundledDir = bundledFolder ?? (await bundledModelsDir());
  // Only files locateModel finds by name (exactly `<name>.onnx`) can be chosen in the settings.
  const bundled =
    path.resolve(bundledDir) === path.resolve(dir)
      ? []
      : listModelFiles(bundledDir).filter((f) => f.endsWith('.onnx'));
  const bundledIds = new Set(bundled.map((f) => f.slice(0, -'.onnx'.length)));
  const infos: ModelInfo[] = [];
  for (const row of await listModels(catalog, dir)) {
    const onlyBundled = row.installed === null && bundledIds.has(row.id);
    infos.push({
      id: row.id,
      name: row.entry?.name ?? row.id,
      source: row.entry === null ? 'imported' : onlyBundled ? 'bundled' : 'catalog',
      installed: row.installed !== null || onlyBundled,
      recommended: row.recommended,
      bytes: row.entry?.bytes ?? row.installed?.bytes ?? null,
      imagenetTop1: row.entry?.imagenetTop1 ?? null,
    });
  }
  // A name in the models folder shadows the bundled file of that name (locateModel looks there first).
  const listed = new Set(infos.map((i) => i.id));
  for (const file of bundled) {
    const id = file.slice(0, -'.onnx'.length);
    if (listed.has(id)) continue;
    const info = await stat(path.join(bundledDir, file)).catch(() => null);
    infos.push({
      id,
      name: id,
      source: 'bundled',
      installed: true,
      recommended: false,
      bytes: info?.size ?? null,
      imagenetTop1: null,
    });
  }
  return infos;
}
