// Which of an image's tags go into its metadata, as keywords and Skiptag|… paths (engine process).

import type { TagRow } from '../library/library-types.js';
import { rollupChain, type Hierarchy } from '../tagging/hierarchy.js';
import { HIERARCHY_ROOT } from './keyword-fields.js';

/** What Skiptag wants in a file: plain keywords and '|' paths, e.g. 'Skiptag|animal|cat|tabby'. */
export interface KeywordSelection {
  keywords: string[];
  hierarchical: string[];
}

/** A class's people-friendly path, general → specific, ending with the class: tabby → animal, cat, tabby. */
export type Rollup = (wnid: string) => string[];

export function rollupFrom(hierarchy: Hierarchy): Rollup {
  return (wnid) => rollupChain(hierarchy, wnid);
}

/**
 * The tags to write: accepted ones always (the user's own and accepted suggestions), suggestions scoring
 * at least minScore, rejected ones never. A tag that is one of the image's predicted classes (wnids:
 * label → wnid from its predictions) gets its class's path under Skiptag; any other tag (the user's own
 * words) goes straight under Skiptag. Order: as given (tagsForImage: accepted first, best score first).
 */
export function selectTags(
  tags: readonly TagRow[],
  wnids: ReadonlyMap<string, string>,
  minScore: number,
  rollup: Rollup,
): KeywordSelection {
  const keywords: string[] = [];
  for (const tag of tags) {
    const wanted = tag.state === 'accepted' || (tag.state === 'suggested' && (tag.score ?? 1) >= minScore);
    if (wanted && tag.tag.trim() !== '' && !keywords.includes(tag.tag)) keywords.push(tag.tag);
  }
  const hierarchical = [...new Set(keywords.map((k) => hierarchyPath(k, wnids.get(k), rollup)))];
  return { keywords, hierarchical };
}

/**
 * 'Skiptag|<ancestors…>|<tag>'. The tag itself is the leaf (the class's own synset name can differ from
 * the label, and the leaf is what tools show and what read-back compares). '|' and '/' inside a name are
 * replaced: they separate levels in Lightroom's and digiKam's spelling of the path.
 */
export function hierarchyPath(tag: string, wnid: string | undefined, rollup: Rollup): string {
  const ancestors = wnid === undefined ? [] : rollup(wnid).slice(0, -1);
  return [HIERARCHY_ROOT, ...ancestors, tag].map((part) => part.replace(/[|/]/g, '-')).join('|');
}
