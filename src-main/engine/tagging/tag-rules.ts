// Tag rules (engine process): turns a file's predictions into tags (thresholds, hidden labels, aliases, rollups), with the rules and hierarchy a run loads once.

import { existsSync } from 'node:fs';
import type { Prediction } from '../../shared/results.js';
import { joinList } from '../export/csv-export.js';
import { type Hierarchy, loadHierarchy, rollupAnchors, type RollupLevel } from './hierarchy.js';
import { DEFAULT_RULES, type LabelRule, type TagRules, WNID_KEY } from './tag-rules-types.js';

export {
  DEFAULT_RULES,
  type LabelRule,
  type RollupLevel,
  type TagRules,
  TagRulesError,
} from './tag-rules-types.js';

/**
 * Reads and validates a rules file (YAML); see tag-rules-file.ts. The YAML parser is loaded here, when
 * there is a file: ~20 ms of start-up that a run without rules never needs.
 */
export async function loadTagRules(path: string): Promise<TagRules> {
  const { loadTagRules: load } = await import('./tag-rules-file.js');
  return load(path);
}

/** One tag for a file: a model label (maybe aliased) or a rollup anchor such as "cat" or "animal". */
export interface Tag {
  tag: string;
  score: number;
  source: 'model' | 'rollup';
}

interface RuleIndex {
  byWnid: Map<string, LabelRule>;
  byName: Map<string, LabelRule>;
}

// Rules objects are long-lived (one per run) and applied per file, so index each once.
const indexes = new WeakMap<object, RuleIndex>();

function indexRules(rules: TagRules): RuleIndex {
  let index = indexes.get(rules.labels);
  if (index === undefined) {
    index = { byWnid: new Map(), byName: new Map() };
    for (const [key, rule] of Object.entries(rules.labels)) {
      const trimmed = key.trim();
      if (WNID_KEY.test(trimmed)) index.byWnid.set(trimmed, rule);
      else index.byName.set(trimmed.toLowerCase(), rule);
    }
    indexes.set(rules.labels, index);
  }
  return index;
}

/**
 * The rule for a label: its name entry (case-insensitive), overridden field by field by entries for
 * its wnids, so `crane: {threshold: 0.5}` covers both crane classes and `n02012849: {alias: …}` one.
 */
function ruleFor(index: RuleIndex, name: string, wnids: Iterable<string>): LabelRule {
  const rule: LabelRule = { ...index.byName.get(name.trim().toLowerCase()) };
  for (const wnid of wnids) Object.assign(rule, index.byWnid.get(wnid));
  return rule;
}

/** The rule a personal tag obeys (its name's entry; personal tags have no wnid). */
export function ruleForTag(rules: TagRules, tag: string): LabelRule {
  return ruleFor(indexRules(rules), tag, []);
}

/** How many anchors above the class a rollup level adds. */
function anchorCount(level: RollupLevel): number {
  return level === 'all' ? Number.POSITIVE_INFINITY : level;
}

/** Highest score first; at equal scores model tags before rollups, then by name, so output is stable. */
function byScore(a: Tag, b: Tag): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.source !== b.source) return a.source === 'model' ? -1 : 1;
  return a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0;
}

/**
 * Applies the rules to one file's predictions:
 * 1. a prediction whose rule hides it, or whose score is below its threshold (its rule's, else the
 *    default), is dropped, and adds nothing to rollups;
 * 2. a kept one becomes a 'model' tag named by its alias, else its label;
 * 3. with a hierarchy and a wnid, it also counts towards the anchors above it, as many as its rollup
 *    level says (nearest first). A rollup tag scores the sum of the kept predictions counting towards it,
 *    capped at 1: three cat breeds at 0.3 each give "cat" 0.9. The sum reads as "how likely the photo
 *    shows some cat", which is what the classes' probabilities add up to (softmax classes are exclusive).
 *    Rollup tags obey rules too, keyed by the anchor's tag or wnid (hide "animal", alias "cat", a
 *    threshold), the default threshold included;
 * 4. a tag produced twice (the two "crane" classes, an alias equal to a rollup) is kept once, with
 *    its highest score and that entry's source (model on a tie).
 * Predictions without a wnid (custom label sets) get only hide, threshold and alias.
 * Returns tags sorted by score, highest first.
 */
export function applyTagRules(
  predictions: readonly Prediction[],
  rules: TagRules,
  hierarchy: Hierarchy | null,
): Tag[] {
  const index = indexRules(rules);
  const tags = new Map<string, Tag>();
  const add = (tag: Tag): void => {
    const existing = tags.get(tag.tag);
    if (existing === undefined || byScore(tag, existing) < 0) tags.set(tag.tag, tag);
  };
  const rollups = new Map<string, { score: number; wnids: Set<string> }>();

  for (const prediction of predictions) {
    const rule = ruleFor(index, prediction.label, prediction.wnid === '' ? [] : [prediction.wnid]);
    if (rule.hide === true || prediction.score < (rule.threshold ?? rules.defaults.threshold)) continue;
    add({ tag: rule.alias ?? prediction.label, score: prediction.score, source: 'model' });
    if (hierarchy === null || prediction.wnid === '') continue;
    const count = anchorCount(rule.rollup ?? rules.defaults.rollup);
    const anchors = rollupAnchors(hierarchy, prediction.wnid).reverse().slice(0, count);
    for (const anchor of anchors) {
      const sum = rollups.get(anchor.name) ?? { score: 0, wnids: new Set<string>() };
      sum.score += prediction.score;
      sum.wnids.add(anchor.wnid);
      rollups.set(anchor.name, sum);
    }
  }

  for (const [name, { score, wnids }] of rollups) {
    const rule = ruleFor(index, name, wnids);
    const capped = Math.min(1, score);
    if (rule.hide === true || capped < (rule.threshold ?? rules.defaults.threshold)) continue;
    add({ tag: rule.alias ?? name, score: capped, source: 'rollup' });
  }
  return [...tags.values()].sort(byScore);
}

/**
 * Tags as one CSV cell, highest score first: "tabby;cat;animal". A ";" inside a tag (possible in custom
 * labels, aliases and keywords from other tools) is escaped as "\\;" (joinList), so the cell splits back
 * into exactly the same tags.
 */
export function tagsColumn(tags: readonly Tag[]): string {
  return joinList([...tags].sort(byScore).map((t) => t.tag));
}

/** Rules + hierarchy as used while tagging: loaded once per run, applied to each file's predictions. */
export interface TaggingRules {
  rules: TagRules;
  hierarchy: Hierarchy | null;
  /** Where the rules came from, for messages: a file path or "defaults". */
  source: string;
}

/**
 * Loads `explicit`, else `defaultFile` (the rules file people edit: rules.yml in the data folder) when it
 * exists, else the defaults; plus the hierarchy.
 */
export async function loadTaggingRules(explicit: string | null, defaultFile: string): Promise<TaggingRules> {
  const file = explicit ?? (existsSync(defaultFile) ? defaultFile : null);
  const rules = file ? await loadTagRules(file) : DEFAULT_RULES;
  return { rules, hierarchy: await loadHierarchy(), source: file ?? 'defaults' };
}

export function tagsFor(predictions: readonly Prediction[], rules: TaggingRules): Tag[] {
  return applyTagRules(predictions, rules.rules, rules.hierarchy);
}
