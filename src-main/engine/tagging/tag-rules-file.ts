// The tag rules file (engine process): the shape of rules.yml and parsing it, naming the line and field of each error; loaded only when a rules file is read.

import { readFile } from 'node:fs/promises';
import { type Document, isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { DEFAULT_RULES, type LabelRule, TagRulesError, type TagRules } from './tag-rules-types.js';

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
const LABEL_RULE_KEYS = Object.keys(labelRule.shape);

const defaults = z.strictObject(
  { threshold: threshold.optional(), rollup: rollup.optional() },
  { error: 'must be a map of threshold and rollup' },
);

/** Keys `defaults` may have, for error messages. */
const DEFAULTS_KEYS = Object.keys(defaults.shape);

/**
 * The parsed YAML document. Empty entries (`labels:` with nothing under it, or a label whose fields
 * are all commented out) are null in YAML and accepted as empty.
 */
const TagRulesFileSchema = z.strictObject(
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
const TOP_LEVEL_KEYS = Object.keys(TagRulesFileSchema.shape);

type PathKey = PropertyKey;

/** `labels."web site".hide`: dotted, with keys that are not plain words quoted. */
function fieldName(path: readonly PathKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((key) => (typeof key === 'string' && /^[\w-]+$/.test(key) ? key : JSON.stringify(String(key))))
    .join('.');
}

/** Offset of a field in the text: of the key itself when `key` is given (unknown keys), else of the value. */
function offsetOf(doc: Document, path: readonly PathKey[], key?: string): number | undefined {
  const node: unknown = doc.getIn(path as unknown[], true);
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
    if (pair !== undefined && isScalar(pair.key) && pair.key.range) return pair.key.range[0];
  }
  if (node !== null && typeof node === 'object' && 'range' in node) {
    return (node.range as [number, number, number] | undefined)?.[0];
  }
  return undefined;
}

/** One problem in the file, as `rules.yml:7:5: labels.tabby.treshold: unknown key …`. */
interface Problem {
  offset: number;
  text: string;
}

function problem(
  file: string,
  lines: LineCounter,
  offset: number | undefined,
  field: string,
  message: string,
): Problem {
  if (offset === undefined) return { offset: 0, text: `${file}: ${field}: ${message}` };
  const { line, col } = lines.linePos(offset);
  return { offset, text: `${file}:${line}:${col}: ${field}: ${message}` };
}

function report(file: string, problems: Problem[]): TagRulesError {
  // In file order, whatever order the validator found them in.
  const sorted = problems.sort((a, b) => a.offset - b.offset).map((p) => p.text);
  return new TagRulesError(`${file} has errors:\n${sorted.join('\n')}`);
}

function allowedKeys(path: readonly PathKey[]): string[] {
  if (path.length === 0) return TOP_LEVEL_KEYS;
  if (path[0] === 'defaults') return DEFAULTS_KEYS;
  return LABEL_RULE_KEYS;
}

function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  doc: Document,
  lines: LineCounter,
  file: string,
) {
  return issues.flatMap((issue): Problem[] => {
    if (issue.code === 'unrecognized_keys') {
      // One line per key, pointing at the key, so a typo ("treshold") is easy to find.
      return issue.keys.map((key) =>
        problem(
          file,
          lines,
          offsetOf(doc, issue.path, key),
          fieldName([...issue.path, key]),
          `unknown key (allowed: ${allowedKeys(issue.path).join(', ')})`,
        ),
      );
    }
    return [problem(file, lines, offsetOf(doc, issue.path), fieldName(issue.path), issue.message)];
  });
}

/** Label keys that differ only in case or surrounding spaces would silently shadow each other. */
function duplicateKeys(labels: Record<string, unknown>, doc: Document, lines: LineCounter, file: string) {
  const seen = new Map<string, string>();
  const problems: Problem[] = [];
  for (const key of Object.keys(labels)) {
    const normal = key.trim().toLowerCase();
    const offset = offsetOf(doc, ['labels'], key);
    if (normal === '')
      problems.push(problem(file, lines, offset, 'labels', 'a label name must not be empty'));
    const first = seen.get(normal);
    if (first !== undefined) {
      problems.push(problem(file, lines, offset, 'labels', `"${key}" is the same label as "${first}"`));
    } else seen.set(normal, key);
  }
  return problems;
}

/**
 * Parses and validates the text of a rules file. An empty file gives DEFAULT_RULES; missing defaults
 * fields come from DEFAULT_RULES. Throws TagRulesError listing every problem as `path:line:col: field: …`.
 */
export function parseTagRules(text: string, path = '<rules>'): TagRules {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // yaml's pretty errors already say "at line L, column C" and show the line.
    throw new TagRulesError(`${path} is not valid YAML:\n${doc.errors.map((e) => e.message).join('\n')}`);
  }
  const raw: unknown = doc.toJS() ?? {};
  const result = TagRulesFileSchema.safeParse(raw);
  if (!result.success) {
    throw report(path, describeIssues(result.error.issues, doc, lines, path));
  }
  const labelsIn = result.data.labels ?? {};
  const duplicates = duplicateKeys(labelsIn, doc, lines, path);
  if (duplicates.length > 0) throw report(path, duplicates);

  const labels: Record<string, LabelRule> = {};
  for (const [key, rule] of Object.entries(labelsIn)) {
    labels[key.trim()] = dropUndefined(rule ?? {});
  }
  return {
    defaults: {
      threshold: result.data.defaults?.threshold ?? DEFAULT_RULES.defaults.threshold,
      rollup: result.data.defaults?.rollup ?? DEFAULT_RULES.defaults.rollup,
    },
    labels,
  };
}

function dropUndefined(rule: LabelRule): LabelRule {
  return Object.fromEntries(Object.entries(rule).filter(([, value]) => value !== undefined)) as LabelRule;
}

/** Reads and validates a rules file (YAML); see parseTagRules. */
export async function loadTagRules(path: string): Promise<TagRules> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TagRulesError(`Cannot read rules file ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseTagRules(text, path);
}
