// Installed-model store (engine): `<models folder>/<id>.onnx`, partial downloads kept apart in `.partial/`.

import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_ID, type Catalog, type CatalogEntry } from './catalog.js';

export const PARTIAL_DIR = '.partial';

export interface InstalledModel {
  id: string;
  path: string;
  bytes: number;
  modifiedAt: Date;
}

/** Refuses ids that could escape the folder or hide as dot-files; the message is fit for the user. */
export function checkModelId(id: string): string {
  if (!MODEL_ID.test(id)) {
    throw new Error(`invalid model id "${id}": use letters, digits, ".", "_" and "-" (no slashes)`);
  }
  return id;
}

export function installedPath(id: string, dir: string): string {
  return path.join(dir, `${checkModelId(id)}.onnx`);
}

/** Where a download in progress accumulates; kept after a failure so the next install resumes. */
export function partialPath(id: string, dir: string): string {
  return path.join(dir, PARTIAL_DIR, `${checkModelId(id)}.onnx.part`);
}

/** Installed models, sorted by id. Partial downloads, temp files and dot-files are never listed. */
export async function listInstalled(dir: string): Promise<InstalledModel[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const models: InstalledModel[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith('.onnx') || name.startsWith('.')) continue;
    const id = name.slice(0, -'.onnx'.length);
    if (!MODEL_ID.test(id)) continue;
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => null);
    if (info?.isFile()) models.push({ id, path: file, bytes: info.size, modifiedAt: info.mtime });
  }
  return models;
}

export async function findInstalled(id: string, dir: string): Promise<InstalledModel | null> {
  return (await listInstalled(dir)).find((m) => m.id === id) ?? null;
}

/** Deletes the installed file and any partial download; returns what was there. */
export async function removeInstalled(
  id: string,
  dir: string,
): Promise<{ removed: boolean; removedPartial: boolean }> {
  const target = installedPath(id, dir);
  const part = partialPath(id, dir);
  const removed = await exists(target);
  const removedPartial = await exists(part);
  await rm(target, { force: true });
  await rm(part, { force: true });
  // The settings and labels files written beside an imported model go with it.
  for (const ext of ['.json', '.labels.txt', '.labels.tsv', '.labels.json']) {
    await rm(path.join(dir, `${id}${ext}`), { force: true });
  }
  return { removed, removedPartial };
}

export interface ModelListing {
  id: string;
  /** The catalogue entry; null for a model that is installed but not in the catalogue (imported). */
  entry: CatalogEntry | null;
  installed: InstalledModel | null;
  /** Bytes of an interrupted download waiting to be resumed (0: none). */
  partialBytes: number;
  recommended: boolean;
}

/** Every catalogue model (in catalogue order) with its install state, then installed models the catalogue lacks. */
export async function listModels(catalog: Catalog, dir: string): Promise<ModelListing[]> {
  const installed = await listInstalled(dir);
  const byId = new Map(installed.map((m) => [m.id, m]));
  const rows: ModelListing[] = [];
  for (const entry of catalog.models) {
    const part = await stat(partialPath(entry.id, dir)).catch(() => null);
    rows.push({
      id: entry.id,
      entry,
      installed: byId.get(entry.id) ?? null,
      partialBytes: part?.isFile() ? part.size : 0,
      recommended: entry.id === catalog.recommended,
    });
    byId.delete(entry.id);
  }
  for (const model of byId.values()) {
    rows.push({ id: model.id, entry: null, installed: model, partialBytes: 0, recommended: false });
  }
  return rows;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
