// Tag rules' types and built-in defaults (engine process): what a run needs when there is no rules file, without the YAML parser (tag-rules-file.ts).

import type { RollupLevel } from './hierarchy.js';

export type { RollupLevel } from './hierarchy.js';

/** What to do with one label (keyed by label name or wnid); unset fields fall back to the defaults. */
export interface LabelRule {
  /** Minimum score in [0, 1] for the tag to be kept. */
  threshold?: number;
  /** The tag to write instead of the label's own name. */
  alias?: string;
  /** Never write this tag. */
  hide?: boolean;
  /** How far up the hierarchy to add tags for this class. */
  rollup?: RollupLevel;
}

export interface TagRules {
  defaults: { threshold: number; rollup: RollupLevel };
  /** Label name (matched case-insensitively) or wnid (nXXXXXXXX) → rule. */
  labels: Readonly<Record<string, Readonly<LabelRule>>>;
}

/** Rules used when there is no rules file: keep scores from 0.1, add the nearest rollup tag. */
export const DEFAULT_RULES: Readonly<TagRules> = Object.freeze({
  defaults: Object.freeze({ threshold: 0.1, rollup: 1 as const }),
  labels: Object.freeze({}),
});

export const WNID_KEY = /^n\d{8}$/;

export class TagRulesError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TagRulesError';
  }
}
