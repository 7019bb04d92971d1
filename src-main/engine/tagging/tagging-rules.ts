// Rules + hierarchy as used while tagging (engine): loaded once per run, applied to each file's predictions.

import { existsSync } from 'node:fs';
import type { Prediction } from '../../shared/results.js';
import { loadHierarchy, type Hierarchy } from './hierarchy.js';
import { applyTagRules, DEFAULT_RULES, loadTagRules, type Tag, type TagRules } from './tag-rules.js';

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
