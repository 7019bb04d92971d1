// What the review screen asks the service for (engine, service process): tags with counts and broader tags, the demo model.

import { rename, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TagSummary } from '../../shared/contract.js';
import { imagenetLabels } from '../classify/labels.js';
import type { Library } from '../library/library.js';
import { buildColourModel } from '../synth/colour-model.js';
import { type Hierarchy, loadHierarchy, rollupAnchors } from '../tagging/hierarchy.js';

/** The offline demo model's name in the models folder (and in `settings.model`). */
export const DEMO_MODEL_ID = 'colours-demo';
export const DEMO_MODEL_NAME = 'Colour demo (names colours, not objects)';

/** Tag name → broader tags, nearest first; built once from the bundled ImageNet labels and hierarchy. */
let parentsOf: Promise<(tag: string) => string[]> | undefined;

async function loadParents(): Promise<(tag: string) => string[]> {
  let hierarchy: Hierarchy;
  let byName: Map<string, string>;
  try {
    hierarchy = await loadHierarchy();
    // Two classes can share a name ("crane"): the first one's chain stands for both.
    byName = new Map();
    for (const label of await imagenetLabels())
      if (!byName.has(label.name)) byName.set(label.name, label.wnid);
  } catch {
    // Without the hierarchy files the tag list is flat: nothing else depends on it.
    return () => [];
  }
  const cache = new Map<string, string[]>();
  return (tag) => {
    let parents = cache.get(tag);
    if (parents === undefined) {
      const wnid = byName.get(tag);
      parents =
        wnid === undefined
          ? []
          : rollupAnchors(hierarchy, wnid)
              .map((a) => a.name)
              .reverse();
      parents = parents.filter((p) => p !== tag);
      cache.set(tag, parents);
    }
    return parents;
  };
}

/** tags:summary: counts by state from `minScore`, and each tag's broader tags (dog → animal). */
export async function tagSummaries(library: Library, minScore: number): Promise<TagSummary[]> {
  parentsOf ??= loadParents();
  const parents = await parentsOf;
  return library.tagStateCounts(minScore).map((row) => ({ ...row, parents: parents(row.tag) }));
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
