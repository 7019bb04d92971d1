// What the app's settings screen asks the service for (engine, service process): models:list and doctor:get.

import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { DoctorReport, ModelInfo } from '../../shared/contract.js';
import type { ModelSources } from '../config.js';
import { type Catalog, loadCatalog } from '../models/catalog.js';
import { bundledModelsDir, listModelFiles } from '../models/locate-model.js';
import { listModels } from '../models/model-store.js';
import { AppError } from '../../shared/errors.js';
import type { ProviderReport } from '../doctor/doctor-report.js';
import { runDoctor } from '../doctor/run-doctor.js';

/** The offline demo model's name in the models folder (and in `settings.model`). */
export const DEMO_MODEL_ID = 'colours-demo';
export const DEMO_MODEL_NAME = 'Colour demo (names colours, not objects)';

/** The catalogue the CLI uses too: `catalogFile` (private catalogues, tests), else the bundled one. */
export async function modelCatalog(catalogFile: string | null): Promise<Catalog> {
  try {
    return await loadCatalog(catalogFile ?? undefined);
  } catch (error) {
    throw new AppError('failed', (error as Error).message, { cause: error });
  }
}

/**
 * models:list: every model `settings.model` can name, as ModelInfo rows: catalogue models in catalogue order
 * (installed or not), then models in the models folder the catalogue lacks (imported), then bundled files. A
 * catalogue model that is only bundled is listed once, as bundled and installed: it needs no download. The
 * offline demo model is always listed (source demo), installed or not.
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
    const demo = row.entry === null && row.id === DEMO_MODEL_ID;
    infos.push({
      id: row.id,
      name: demo ? DEMO_MODEL_NAME : (row.entry?.name ?? row.id),
      source: demo ? 'demo' : row.entry === null ? 'imported' : onlyBundled ? 'bundled' : 'catalog',
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
  // The demo is always on offer: models:installDemo builds it here, offline, in a moment.
  if (!infos.some((i) => i.id === DEMO_MODEL_ID)) {
    infos.push({
      id: DEMO_MODEL_ID,
      name: DEMO_MODEL_NAME,
      source: 'demo',
      installed: false,
      recommended: false,
      bytes: null,
      imagenetTop1: null,
    });
  }
  return infos;
}

/**
 * doctor:get: `skiptag doctor`'s report, cut down to what the settings screen shows. Runs the real checks:
 * every provider loads a tiny ResNet, the ones that load are benchmarked on ResNet-18 for `benchSeconds` each,
 * and so is every installed model on each of them (0: no rates). The benchmark runs in this process and competes with a tagging job that is running
 * meanwhile, so its rate is then lower than the machine can do.
 */
export async function doctorView(
  libraryPath: string,
  modelsDir: string,
  benchSeconds: number,
): Promise<DoctorReport> {
  const report = await runDoctor({ libraryPath, modelsDir, benchSeconds });
  const { system, versions } = report;
  return {
    platform: `${system.platform} ${system.arch} (${system.cpuModel}, ${system.usableCores} cores)`,
    onnxruntime: versions.onnxruntimeNode ?? versions.onnxruntime,
    providers: report.providers.map((p) => ({
      provider: p.provider,
      available: p.available,
      loads: p.loads,
      imagesPerSecond: p.benchmark?.imagesPerSecond ?? null,
      int8ImagesPerSecond: p.int8Benchmark?.imagesPerSecond ?? null,
      reason: reasonFor(p, benchSeconds),
    })),
    modelSpeeds: report.modelSpeeds.map((s) => ({
      model: s.model,
      provider: s.provider,
      imagesPerSecond: s.imagesPerSecond,
      reason: s.note,
    })),
    libraryPath: report.library.path,
    modelsDir: report.models.dir,
    recommendation: report.recommendation,
  };
}

/** Why it is unusable; for one that loads, only why a requested benchmark gave no rate. */
function reasonFor(provider: ProviderReport, benchSeconds: number): string | null {
  if (provider.error !== null) return provider.error;
  if (!provider.loads) return provider.benchmarkNote;
  return provider.benchmark === null && benchSeconds > 0 ? provider.benchmarkNote : null;
}
