// Unit tests (engine process code) for applying tag rules: thresholds, hide, alias, rollups, dedup, CSV column.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Prediction } from '../../src-main/shared/results.js';
import { splitList } from '../../src-main/engine/export/csv-export.js';
import { loadHierarchy, type Hierarchy } from '../../src-main/engine/tagging/hierarchy.js';
import {
  applyTagRules,
  DEFAULT_RULES,
  tagsColumn,
  type Tag,
  type TagRules,
} from '../../src-main/engine/tagging/tag-rules.js';

let hierarchy: Hierarchy;

beforeAll(async () => {
  hierarchy = await loadHierarchy();
});

function p(label: string, wnid: string, score: number): Prediction {
  return { index: 0, label, wnid, score };
}

function rules(labels: TagRules['labels'] = {}, defaults: Partial<TagRules['defaults']> = {}): TagRules {
  return { defaults: { ...DEFAULT_RULES.defaults, ...defaults }, labels };
}

/** Tags as [tag, score rounded to 6 places, source], to compare sums without float noise. */
function plain(tags: Tag[]): [string, number, string][] {
  return tags.map((t) => [t.tag, Math.round(t.score * 1e6) / 1e6, t.source]);
}

const TABBY = 'n02123045';
const TIGER_CAT = 'n02123159';
const EGYPTIAN_CAT = 'n02124075';
const PERSIAN_CAT = 'n02123394';

describe('applyTagRules with DEFAULT_RULES', () => {
  it('drops scores under 0.1 and adds the nearest rollup tag, summed, sorted by score', () => {
    const tags = applyTagRules(
      [p('tabby', TABBY, 0.5), p('tiger cat', TIGER_CAT, 0.2), p('Egyptian cat', EGYPTIAN_CAT, 0.05)],
      DEFAULT_RULES,
      hierarchy,
    );
    expect(plain(tags)).toEqual([
      ['cat', 0.7, 'rollup'],
      ['tabby', 0.5, 'model'],
      ['tiger cat', 0.2, 'model'],
    ]);
  });

  it('keeps a score exactly at the threshold', () => {
    expect(plain(applyTagRules([p('tabby', TABBY, 0.1)], DEFAULT_RULES, null))).toEqual([
      ['tabby', 0.1, 'model'],
    ]);
  });

  it('gives [] for no predictions', () => {
    expect(applyTagRules([], DEFAULT_RULES, hierarchy)).toEqual([]);
  });
});

describe('rollups', () => {
  it('sums three cat breeds at 0.3 into "cat" 0.9 and "animal" 0.9 at level 2', () => {
    const predictions = [
      p('tabby', TABBY, 0.3),
      p('tiger cat', TIGER_CAT, 0.3),
      p('Persian cat', PERSIAN_CAT, 0.3),
    ];
    const tags = applyTagRules(predictions, rules({}, { rollup: 2 }), hierarchy);
    expect(plain(tags)).toEqual([
      ['animal', 0.9, 'rollup'],
      ['cat', 0.9, 'rollup'],
      ['Persian cat', 0.3, 'model'],
      ['tabby', 0.3, 'model'],
      ['tiger cat', 0.3, 'model'],
    ]);
  });

  it('caps a rollup score at 1', () => {
    const tags = applyTagRules(
      [p('tabby', TABBY, 0.7), p('tiger cat', TIGER_CAT, 0.6)],
      DEFAULT_RULES,
      hierarchy,
    );
    expect(tags[0]).toEqual({ tag: 'cat', score: 1, source: 'rollup' });
  });

  it.each([
    [0, ['great white shark']],
    [1, ['great white shark', 'shark']],
    [2, ['great white shark', 'shark', 'fish']],
    ['all', ['great white shark', 'shark', 'fish', 'animal']],
  ] as const)('default level %j adds %j', (level, expected) => {
    const tags = applyTagRules(
      [p('great white shark', 'n01484850', 0.8)],
      rules({}, { rollup: level }),
      hierarchy,
    );
    // Equal scores: the model tag first, then rollups by name.
    expect(tags.map((t) => t.tag).sort()).toEqual([...expected].sort());
    expect(tags[0]?.source).toBe('model');
  });

  it('takes the level from the label rule, by name or wnid', () => {
    const labels = { 'golden retriever': { rollup: 2 as const }, n04285008: { rollup: 0 as const } };
    const tags = applyTagRules(
      [p('golden retriever', 'n02099601', 0.6), p('sports car', 'n04285008', 0.3), p('tabby', TABBY, 0.2)],
      rules(labels),
      hierarchy,
    );
    expect(plain(tags)).toEqual([
      ['golden retriever', 0.6, 'model'],
      ['animal', 0.6, 'rollup'],
      ['dog', 0.6, 'rollup'],
      ['sports car', 0.3, 'model'],
      ['tabby', 0.2, 'model'],
      ['cat', 0.2, 'rollup'],
    ]);
  });

  it('counts only kept predictions towards a rollup (not hidden, not under threshold)', () => {
    const tags = applyTagRules(
      [p('tabby', TABBY, 0.5), p('tiger cat', TIGER_CAT, 0.3), p('Persian cat', PERSIAN_CAT, 0.05)],
      rules({ 'tiger cat': { hide: true } }),
      hierarchy,
    );
    expect(plain(tags)).toEqual([
      ['tabby', 0.5, 'model'],
      ['cat', 0.5, 'rollup'],
    ]);
  });

  it('applies hide, alias and threshold rules to rollup tags by tag or anchor wnid', () => {
    const labels = {
      animal: { hide: true },
      n02121620: { alias: 'kitty' }, // cat, true cat
      vehicle: { threshold: 0.4 },
    };
    const tags = applyTagRules(
      [p('tabby', TABBY, 0.5), p('sports car', 'n04285008', 0.3)],
      rules(labels, { rollup: 'all' }),
      hierarchy,
    );
    expect(plain(tags)).toEqual([
      ['tabby', 0.5, 'model'],
      ['kitty', 0.5, 'rollup'],
      ['sports car', 0.3, 'model'],
      ['car', 0.3, 'rollup'],
    ]);
  });

  it('sums anchors that share a tag (bird and game bird) into one tag', () => {
    const tags = applyTagRules(
      [p('hen', 'n01514859', 0.3), p('black grouse', 'n01795545', 0.3)],
      DEFAULT_RULES,
      hierarchy,
    );
    expect(plain(tags)[0]).toEqual(['bird', 0.6, 'rollup']);
  });

  it('adds no rollups without a hierarchy, or for a wnid the hierarchy lacks', () => {
    expect(plain(applyTagRules([p('tabby', TABBY, 0.5)], DEFAULT_RULES, null))).toEqual([
      ['tabby', 0.5, 'model'],
    ]);
    expect(plain(applyTagRules([p('thing', 'n99999999', 0.5)], DEFAULT_RULES, hierarchy))).toEqual([
      ['thing', 0.5, 'model'],
    ]);
  });
});

describe('threshold, hide and alias', () => {
  it('uses a label threshold over the default, both ways', () => {
    const labels = { 'mosquito net': { threshold: 0.5 }, tabby: { threshold: 0.01 } };
    const tags = applyTagRules(
      [p('mosquito net', 'n03788365', 0.4), p('tabby', TABBY, 0.05)],
      rules(labels, { rollup: 0 }),
      hierarchy,
    );
    expect(plain(tags)).toEqual([['tabby', 0.05, 'model']]);
  });

  it('hides a label', () => {
    const tags = applyTagRules(
      [p('web site', 'n06359193', 0.9)],
      rules({ 'web site': { hide: true } }),
      hierarchy,
    );
    expect(tags).toEqual([]);
  });

  it('renames via alias and still rolls up by the class', () => {
    const tags = applyTagRules([p('tabby', TABBY, 0.6)], rules({ tabby: { alias: 'tabby cat' } }), hierarchy);
    expect(plain(tags)).toEqual([
      ['tabby cat', 0.6, 'model'],
      ['cat', 0.6, 'rollup'],
    ]);
  });

  it('matches names case-insensitively; a wnid entry overrides a name entry field by field', () => {
    const labels = { CRANE: { threshold: 0.05, alias: 'crane!' }, n02012849: { alias: 'crane (bird)' } };
    const tags = applyTagRules(
      [p('crane', 'n02012849', 0.08), p('crane', 'n03126707', 0.07)],
      rules(labels, { rollup: 0 }),
      hierarchy,
    );
    expect(plain(tags)).toEqual([
      ['crane (bird)', 0.08, 'model'],
      ['crane!', 0.07, 'model'],
    ]);
  });
});

describe('deduplication', () => {
  it('keeps the highest score of a tag given twice (the two "crane" classes)', () => {
    const tags = applyTagRules(
      [p('crane', 'n02012849', 0.4), p('crane', 'n03126707', 0.3)],
      rules({}, { rollup: 0 }),
      hierarchy,
    );
    expect(plain(tags)).toEqual([['crane', 0.4, 'model']]);
  });

  it('keeps one tag when an alias equals a rollup, preferring the model on a tie', () => {
    const tags = applyTagRules(
      [p('Chihuahua', 'n02085620', 0.5)],
      rules({ Chihuahua: { alias: 'dog' } }),
      hierarchy,
    );
    expect(tags).toEqual([{ tag: 'dog', score: 0.5, source: 'model' }]);
  });

  it('keeps the rollup when it scores higher than the equal model tag', () => {
    const tags = applyTagRules(
      [p('Chihuahua', 'n02085620', 0.3), p('pug', 'n02110958', 0.3)],
      rules({ Chihuahua: { alias: 'dog' } }),
      hierarchy,
    );
    expect(plain(tags)).toEqual([
      ['dog', 0.6, 'rollup'],
      ['pug', 0.3, 'model'],
    ]);
  });
});

describe('labels without a wnid (custom label sets)', () => {
  it('get threshold, hide and alias by name, and never rollups', () => {
    const labels = {
      Kitchen: { alias: 'indoors' },
      garden: { hide: true },
      beach: { threshold: 0.5, rollup: 2 as const },
    };
    const tags = applyTagRules(
      [p('kitchen', '', 0.4), p('garden', '', 0.3), p('beach', '', 0.2), p('street', '', 0.15)],
      rules(labels, { rollup: 'all' }),
      hierarchy,
    );
    expect(plain(tags)).toEqual([
      ['indoors', 0.4, 'model'],
      ['street', 0.15, 'model'],
    ]);
  });
});

describe('tagsColumn', () => {
  it('joins tags with ";", highest score first', () => {
    const tags: Tag[] = [
      { tag: 'tabby', score: 0.5, source: 'model' },
      { tag: 'animal', score: 0.7, source: 'rollup' },
      { tag: 'cat', score: 0.7, source: 'rollup' },
    ];
    expect(tagsColumn(tags)).toBe('animal;cat;tabby');
  });

  it('gives "" for no tags and escapes ";" inside a tag, so the cell splits back into the same tags', () => {
    expect(tagsColumn([])).toBe('');
    const tags: Tag[] = [
      { tag: 'salt; pepper', score: 1, source: 'model' },
      { tag: 'a\\b', score: 0.5, source: 'model' },
    ];
    expect(tagsColumn(tags)).toBe('salt\\; pepper;a\\\\b');
    expect(splitList(tagsColumn(tags))).toEqual(['salt; pepper', 'a\\b']);
  });

  it('matches the order of applyTagRules', () => {
    const tags = applyTagRules(
      [p('tabby', TABBY, 0.5), p('tiger cat', TIGER_CAT, 0.2)],
      DEFAULT_RULES,
      hierarchy,
    );
    expect(tagsColumn(tags)).toBe('cat;tabby;tiger cat');
  });
});
