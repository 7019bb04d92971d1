// Unit tests (engine process code) for reading rules.yml: parsing, defaults and validation errors with lines.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadHierarchy } from '../../src-main/engine/tagging/hierarchy.js';
import { parseTagRules } from '../../src-main/engine/tagging/tag-rules-file.js';
import {
  applyTagRules,
  DEFAULT_RULES,
  loadTagRules,
  TagRulesError,
} from '../../src-main/engine/tagging/tag-rules.js';

const example = fileURLToPath(new URL('../../models/rules.example.yml', import.meta.url));

/** The error message of parsing `text`, which must fail. */
function errorOf(text: string): string {
  try {
    parseTagRules(text, 'rules.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(TagRulesError);
    return (error as Error).message;
  }
  throw new Error('expected parseTagRules to throw');
}

describe('parseTagRules', () => {
  it('gives the defaults for an empty file, a comment-only file and empty sections', () => {
    for (const text of ['', '# nothing yet\n', 'labels:\n', 'defaults:\nlabels:\n']) {
      expect(parseTagRules(text)).toEqual(DEFAULT_RULES);
    }
  });

  it('fills missing defaults from DEFAULT_RULES', () => {
    expect(parseTagRules('defaults:\n  rollup: all\n').defaults).toEqual({ threshold: 0.1, rollup: 'all' });
    expect(parseTagRules('defaults: {threshold: 0.25}\n').defaults).toEqual({ threshold: 0.25, rollup: 1 });
  });

  it('reads label entries keyed by name or wnid, trimming keys and accepting empty entries', () => {
    const rules = parseTagRules(
      [
        'labels:',
        '  tabby: {alias: "  tabby cat "}',
        '  n02012849:',
        '    threshold: 0.3',
        '    rollup: 0',
        '  "web site ": {hide: true}',
        '  sofa:',
        '',
      ].join('\n'),
    );
    expect(rules.labels).toEqual({
      tabby: { alias: 'tabby cat' },
      n02012849: { threshold: 0.3, rollup: 0 },
      'web site': { hide: true },
      sofa: {},
    });
  });

  it('reports every problem with file, line, column and field, in file order', () => {
    const message = errorOf(
      [
        'defaults:',
        '  threshold: 2',
        '  rollup: 3',
        'labels:',
        '  tabby:',
        '    alias: ""',
        '    treshold: 0.3',
        '  web site:',
        '    hide: yes',
        'extra: 1',
        '',
      ].join('\n'),
    );
    expect(message.split('\n')).toEqual([
      'rules.yml has errors:',
      'rules.yml:2:14: defaults.threshold: must be a number from 0 to 1',
      "rules.yml:3:11: defaults.rollup: must be 0, 1, 2 or 'all'",
      'rules.yml:6:12: labels.tabby.alias: must be a non-empty string',
      'rules.yml:7:5: labels.tabby.treshold: unknown key (allowed: threshold, alias, hide, rollup)',
      'rules.yml:9:11: labels."web site".hide: must be true or false',
      'rules.yml:10:1: extra: unknown key (allowed: defaults, labels)',
    ]);
  });

  it.each([
    [
      'a negative threshold',
      'labels:\n  x: {threshold: -0.1}\n',
      /2:18: labels\.x\.threshold: must be a number from 0 to 1/,
    ],
    ['a string threshold', 'defaults: {threshold: "0.2"}\n', /1:23: defaults\.threshold: must be a number/],
    ['NaN', 'defaults: {threshold: .nan}\n', /defaults\.threshold: must be a number/],
    ['rollup "2"', 'labels:\n  x: {rollup: "2"}\n', /2:15: labels\.x\.rollup: must be 0, 1, 2 or 'all'/],
    ['rollup 1.5', 'defaults: {rollup: 1.5}\n', /defaults\.rollup: must be 0, 1, 2 or 'all'/],
    [
      'a number entry',
      'labels:\n  x: 5\n',
      /2:6: labels\.x: must be a map of threshold, alias, hide and rollup/,
    ],
    [
      'a list of labels',
      'labels: [tabby]\n',
      /1:9: labels: must be a map from label names or wnids to rules/,
    ],
    ['a scalar defaults', 'defaults: 0.2\n', /1:11: defaults: must be a map of threshold and rollup/],
    [
      'an unknown defaults key',
      'defaults: {hide: true}\n',
      /1:12: defaults\.hide: unknown key \(allowed: threshold, rollup\)/,
    ],
    ['a list document', '- tabby\n', /1:1: \(top level\): must be a map with "defaults" and "labels"/],
    ['a scalar document', 'tabby\n', /\(top level\): must be a map/],
    [
      'keys equal but for case',
      'labels:\n  Tabby: {}\n  "tabby ": {}\n',
      /3:3: labels: "tabby " is the same label as "Tabby"/,
    ],
    ['an empty key', 'labels:\n  "": {hide: true}\n', /2:3: labels: a label name must not be empty/],
  ])('rejects %s', (_what, text, message) => {
    expect(errorOf(text)).toMatch(message);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(errorOf('labels:\n  tabby: {alias: a}\n  tabby: {alias: b}\n')).toMatch(
      /^rules\.yml is not valid YAML:\nMap keys must be unique at line 3, column 3/,
    );
    expect(errorOf('defaults: [1\n')).toMatch(/^rules\.yml is not valid YAML:\n.* at line 2, column 1/);
  });
});

describe('loadTagRules', () => {
  it('reads models/rules.example.yml, and its rules work as its comments say', async () => {
    const rules = await loadTagRules(example);
    expect(rules.defaults).toEqual({ threshold: 0.1, rollup: 1 });
    expect(rules.labels.tabby).toEqual({ alias: 'tabby cat' });
    expect(rules.labels['web site']).toEqual({ hide: true });
    expect(rules.labels['mosquito net']).toEqual({ threshold: 0.5 });
    expect(rules.labels['golden retriever']).toEqual({ rollup: 2 });
    const tags = applyTagRules(
      [
        { index: 207, label: 'golden retriever', wnid: 'n02099601', score: 0.5 },
        { index: 281, label: 'tabby', wnid: 'n02123045', score: 0.2 },
        { index: 669, label: 'mosquito net', wnid: 'n03788365', score: 0.15 },
        { index: 916, label: 'web site', wnid: 'n06359193', score: 0.1 },
      ],
      rules,
      await loadHierarchy(),
    );
    expect(tags.map((t) => t.tag)).toEqual(['golden retriever', 'animal', 'dog', 'tabby cat', 'cat']);
  });

  it('names the file it cannot read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiptag-rules-'));
    try {
      const missing = join(dir, 'missing.yml');
      await expect(loadTagRules(missing)).rejects.toThrow(`Cannot read rules file ${missing}`);
      const bad = join(dir, 'bad.yml');
      await writeFile(bad, 'labels:\n  x: {hide: 1}\n');
      await expect(loadTagRules(bad)).rejects.toThrow(`${bad}:2:13: labels.x.hide: must be true or false`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
