// What the review screen's tag list asks the service for (engine, service process): tags with counts by state and their broader tags.

import type { TagSummary } from '../../shared/contract.js';
import type { Library } from '../library/library.js';
import { type Hierarchy, loadHierarchy, rollupAnchors } from '../tagging/hierarchy.js';

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
