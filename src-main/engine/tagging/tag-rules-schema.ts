// Tag rules file schema (engine process): the shape of rules.yml, its types and the built-in defaults.

import { z } from 'zod';
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

const threshold = z
  .number({ error: 'must be a number from 0 to 1' })
  .min(0, { error: 'must be a number from 0 to 1' })
  .max(1, { error: 'must be a number from 0 to 1' });

const rollup = z.union([z.literal(0), z.literal(1), z.literal(2), z.literal('all')], {
  error: "must be 0, 1, 2 or 'all'",
});

const LABEL_RULE_MESSAGE = 'must be a map of threshold, alias, hide and rollup';

const labelRule = z.strictObject(
  {
    threshold: threshold.optional(),
    alias: z
      .string({ error: 'must be a non-empty string' })
      .trim()
      .min(1, { error: 'must be a non-empty string' })
      .optional(),
    hide: z.boolean({ error: 'must be true or false' }).optional(),
    rollup: rollup.optional(),
  },
  { error: LABEL_RULE_MESSAGE },
);

/** Keys a label entry may have, for error messages. */
export const LABEL_RULE_KEYS = Object.keys(labelRule.shape);

const defaults = z.strictObject(
  { threshold: threshold.optional(), rollup: rollup.optional() },
  { error: 'must be a map of threshold and rollup' },
);

/** Keys `defaults` may have, for error messages. */
export const DEFAULTS_KEYS = Object.keys(defaults.shape);

/**
 * The parsed YAML document. Empty entries (`labels:` with nothing under it, or a label whose fields
 * are all commented out) are null in YAML and accepted as empty.
 */
export const TagRulesFileSchema = z.strictObject(
  {
    defaults: defaults.nullable().optional(),
    labels: z
      .record(z.string(), labelRule.nullable(), { error: 'must be a map from label names or wnids to rules' })
      .nullable()
      .optional(),
  },
  { error: 'must be a map with "defaults" and "labels"' },
);

/** Keys the top level may have, for error messages. */
export const TOP_LEVEL_KEYS = Object.keys(TagRulesFileSchema.shape);
