// Which keywords Skiptag puts in a file (engine process): the tags selected, merged into the file's own; pure, so every rule is testable.

import type { TagRow } from '../library/library-types.js';
import type { XmpKeyword } from '../library/xmp-repo.js';
import { type Hierarchy, rollupChain } from '../tagging/hierarchy.js';
import {
  FIELD_NAMES,
  fromTagsListPath,
  HIERARCHY_ROOT,
  type KeywordFields,
  toTagsListPath,
} from './keyword-fields.js';

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
 * at least minScore, rejected ones never. The model's tags also get a path in Skiptag's branch: a tag that
 * is one of the image's predicted classes (wnids: label → wnid from its predictions) under its class's
 * path, any other (a rollup such as "cat") straight under Skiptag. The user's own keywords (typed in
 * Skiptag or imported from other tools) are written as plain keywords only: Skiptag's branch is what a
 * rescan leaves out as Skiptag's own suggestions, so a user keyword put there would be lost when a library
 * is rebuilt from the files. Order: as given (tagsForImage: accepted first, best score first).
 */
export function selectTags(
  tags: readonly TagRow[],
  wnids: ReadonlyMap<string, string>,
  minScore: number,
  rollup: Rollup,
): KeywordSelection {
  const keywords: string[] = [];
  const modelTags: string[] = [];
  for (const tag of tags) {
    const wanted = tag.state === 'accepted' || (tag.state === 'suggested' && (tag.score ?? 1) >= minScore);
    if (!wanted || tag.tag.trim() === '' || keywords.includes(tag.tag)) continue;
    keywords.push(tag.tag);
    // Only ImageNet's classes sit in its hierarchy; the user's own and personal tags are plain keywords.
    if (tag.source === 'auto') modelTags.push(tag.tag);
  }
  const hierarchical = [...new Set(modelTags.map((k) => hierarchyPath(k, wnids.get(k), rollup)))];
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

export interface MergePlan {
  /** The fields as they should be afterwards (IPTC left as it is unless withIptc). */
  fields: KeywordFields;
  /** Fields whose value changes: the only ones to write. */
  changedFields: (keyof KeywordFields)[];
  /** Keywords and '|' paths added to, or removed from, at least one field. */
  added: string[];
  removed: string[];
  /** What Skiptag will have written once the plan is applied: the new xmp_written rows of this target. */
  written: XmpKeyword[];
}

/**
 * Adds the selection to `existing` and takes out what Skiptag wrote before (`previous`) but no longer
 * selects. Everything else stays, in its order: other tools' keywords are never removed, even when they
 * equal a tag the user rejected. A selected keyword that was already there (put there by someone else)
 * is not counted as Skiptag's, so a later rejection leaves it alone too.
 */
export function planMerge(
  existing: KeywordFields,
  selection: KeywordSelection,
  previous: readonly XmpKeyword[],
  withIptc: boolean,
): MergePlan {
  const prevFlat = new Set(previous.filter((k) => !k.hierarchical).map((k) => k.keyword));
  const prevPaths = new Set(previous.filter((k) => k.hierarchical).map((k) => k.keyword));
  const removeFlat = new Set([...prevFlat].filter((k) => !selection.keywords.includes(k)));
  const removePaths = new Set([...prevPaths].filter((p) => !selection.hierarchical.includes(p)));

  const fields: KeywordFields = {
    subject: merged(existing.subject, removeFlat, selection.keywords),
    hierarchical: merged(existing.hierarchical, removePaths, selection.hierarchical),
    tagsList: merged(
      existing.tagsList,
      new Set([...removePaths].map(toTagsListPath)),
      selection.hierarchical.map(toTagsListPath),
    ),
    iptc: withIptc ? merged(existing.iptc, removeFlat, selection.keywords) : [...existing.iptc],
  };
  const changedFields = FIELD_NAMES.filter((name) => !sameList(existing[name], fields[name]));

  const flatBefore = new Set([...existing.subject, ...(withIptc ? existing.iptc : [])]);
  const pathsBefore = new Set([...existing.hierarchical, ...existing.tagsList.map(fromTagsListPath)]);
  const written: XmpKeyword[] = [
    ...selection.keywords
      .filter((k) => prevFlat.has(k) || !flatBefore.has(k))
      .map((keyword) => ({ keyword, hierarchical: false })),
    ...selection.hierarchical
      .filter((p) => prevPaths.has(p) || !pathsBefore.has(p))
      .map((keyword) => ({ keyword, hierarchical: true })),
  ];

  const added = new Set<string>();
  const removed = new Set<string>();
  for (const name of changedFields) {
    const spell = name === 'tagsList' ? fromTagsListPath : (value: string) => value;
    const before = new Set(existing[name]);
    const after = new Set(fields[name]);
    for (const value of after) if (!before.has(value)) added.add(spell(value));
    for (const value of before) if (!after.has(value)) removed.add(spell(value));
  }
  return { fields, changedFields, added: [...added], removed: [...removed], written };
}

/** Whether the record of Skiptag's keywords changes (it can without the file changing). */
export function sameWritten(a: readonly XmpKeyword[], b: readonly XmpKeyword[]): boolean {
  const key = (k: XmpKeyword) => `${k.hierarchical ? 1 : 0}${k.keyword}`;
  return sameList([...a.map(key)].sort(), [...b.map(key)].sort());
}

function merged(current: readonly string[], remove: ReadonlySet<string>, add: readonly string[]): string[] {
  const kept = current.filter((value) => !remove.has(value));
  for (const value of add) if (!kept.includes(value)) kept.push(value);
  return kept;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i]);
}
