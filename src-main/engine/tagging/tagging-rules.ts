// Rules + hierarchy as used while tagging (engine): loaded once per run, applied to each file's predictions.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Prediction } from '../../shared/results.js';
import { defaultLibraryPath } from '../library/library-location.js';
import { loadHierarchy, type Hierarchy } from './hierarchy.js';
import { applyTagRules, DEFAULT_RULES, loadTagRules, type Tag, type TagRules } from './tag-rules.js';

export interface TaggingRules {
  rules: TagRules;
  hierarchy: Hierarchy | null;
  /** Where the rules came from, for messages: a file path or "defaults". */
  source: string;
}

/** The rules file people edit: `rules.yml` in the data folder (next to the library). */
export function defaultRulesPath(): string {
  return path.join(path.dirname(defaultLibraryPath()), 'rules.yml');
}

/** Loads `explicit`, else the data folder's rules.yml when present, else the defaults; plus the hierarchy. */
export async function loadTaggingRules(explicit: string | null): Promise<TaggingRules> {
  const file = explicit ?? (existsSync(defaultRulesPath()) ? defaultRulesPath() : null);
  const rules = file ? await loadTagRules(file) : DEFAULT_RULES;
  return { rules, hierarchy: await loadHierarchy(), source: file ?? 'defaults' };
}

export function tagsFor(predictions: readonly Prediction[], rules: TaggingRules): Tag[] {
  return applyTagRules(predictions, rules.rules, rules.hierarchy);
}
