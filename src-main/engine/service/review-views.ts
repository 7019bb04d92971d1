// What the review screen asks the service for (engine, service process): tags with counts and broader tags, the demo model.

import { rename, rm, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TagSummary } from '../../shared/contract.js';
import type { Library } from '../library/library.js';
import { buildColourModel } from '../synth/colour-model.js';
import { type Hierarchy, loadHierarchy, rollupAnchors } from '../tagging/hierarchy.js';

/** The offline demo model's name in the models folder (and in `settings.model`). */
export const DEMO_MODEL_ID = 'colours-demo';
export const DEMO_MODEL_NAME = 'Colour demo (names colours, not objects)';

/** The bundled WordNet hierarchy, loaded once; null when its file is missing (the tag list is then flat). */
let hierarchy: Promise<Hierarchy | null> | undefined;
/** Tag name → its WordNet id; names seen without one are asked again after a while (a new model may name them). */
const wnids = new Map<string, string>();
const withoutWnid = new Map<string, number>();
const RECHECK_MS = 60_000;

/**
 * tags:summary: counts by state from `minScore`, and each tag's broader tags, nearest first (golden retriever
 * → dog, animal). Broader tags come from the WordNet id the classifier predicted the label with, never from
 * the name alone: a colour model's "orange" is not the fruit.
 */
export async function tagSummaries(library: Library, minScore: number): Promise<TagSummary[]> {
  hierarchy ??= loadHierarchy().catch(() => null);
  const tree = await hierarchy;
  const rows = library.tagStateCounts(minScore);
  if (tree === null) return rows.map((row) => ({ ...row, parents: [] }));
  const now = Date.now();
  const unknown = rows
    .map((row) => row.tag)
    .filter((tag) => !wnids.has(tag) && now - (withoutWnid.get(tag) ?? -Infinity) > RECHECK_MS);
  if (unknown.length > 0) {
    const found = library.wnidsOfTags(unknown);
    for (const tag of unknown) {
      const wnid = found.get(tag);
      if (wnid === undefined) withoutWnid.set(tag, now);
      else wnids.set(tag, wnid);
    }
  }
  return rows.map((row) => {
    const wnid = wnids.get(row.tag);
    const parents =
      wnid === undefined
        ? []
        : rollupAnchors(tree, wnid)
            .map((a) => a.name)
            .reverse()
            .filter((p) => p !== row.tag);
    return { ...row, parents };
  });
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
