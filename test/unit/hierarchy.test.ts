// Unit tests (engine process code) for the ImageNet hierarchy: loading, chains and people-friendly rollups.

import { describe, expect, it } from 'vitest';
import {
  hierarchyFromJson,
  loadHierarchy,
  rollupAnchors,
  rollupChain,
  rollupTags,
  type Hierarchy,
} from '../../src-main/engine/tagging/hierarchy.js';
import { imagenetLabels } from '../../src-main/engine/classify/labels.js';

describe('loadHierarchy', () => {
  it('loads the bundled file once', async () => {
    const first = loadHierarchy();
    expect(loadHierarchy()).toBe(first);
    const hierarchy = await first;
    expect(hierarchy.label('n02123045')).toBe('tabby');
    expect(hierarchy.label('n00015388')).toBeUndefined(); // animal: an ancestor, not a class
  });

  it('gives chains from entity down to the class, named by first lemma', async () => {
    const chain = (await loadHierarchy()).chain('n02123045');
    expect(chain[0]).toEqual({ wnid: 'n00001740', name: 'entity' });
    expect(chain.at(-1)).toEqual({ wnid: 'n02123045', name: 'tabby' });
    expect(chain.map((s) => s.name).join(' › ')).toBe(
      'entity › physical entity › object › whole › living thing › organism › animal › chordate › ' +
        'vertebrate › mammal › placental › carnivore › feline › cat › domestic cat › tabby',
    );
  });

  it('returns copies and [] for unknown wnids', async () => {
    const hierarchy = await loadHierarchy();
    hierarchy.chain('n02123045').pop();
    expect(hierarchy.chain('n02123045').at(-1)?.wnid).toBe('n02123045');
    expect(hierarchy.chain('n99999999')).toEqual([]);
    expect(hierarchy.chain('')).toEqual([]);
  });
});

describe('hierarchyFromJson', () => {
  const good = {
    format: 'skiptag-imagenet-hierarchy/1',
    synsets: { n1: 'entity', n2: 'thing' },
    classes: { n2: 'Thing' },
    chains: { n2: ['n1', 'n2'] },
  };

  it('accepts a well-formed file', () => {
    const hierarchy = hierarchyFromJson(good);
    expect(hierarchy.label('n2')).toBe('Thing');
    expect(hierarchy.chain('n2')).toEqual([
      { wnid: 'n1', name: 'entity' },
      { wnid: 'n2', name: 'thing' },
    ]);
  });

  it.each([
    ['another format', { ...good, format: 'x' }, /not a skiptag-imagenet-hierarchy\/1 file/],
    ['an array', [], /not a skiptag-imagenet-hierarchy\/1 file/],
    ['no chains', { ...good, chains: undefined }, /must be objects/],
    ['an unknown synset', { ...good, chains: { n2: ['n0', 'n2'] } }, /chain of n2 is not a list of known/],
    ['a chain ending elsewhere', { ...good, chains: { n2: ['n2', 'n1'] } }, /does not end at that class/],
    ['a chain of a non-class', { ...good, chains: { n1: ['n1'] } }, /does not end at that class/],
    ['a non-string name', { ...good, synsets: { n1: 1, n2: 'x' } }, /name of n1 is not a string/],
  ])('rejects %s', (_what, parsed, message) => {
    expect(() => hierarchyFromJson(parsed, 'h.json')).toThrow(message);
  });
});

describe('rollupChain', () => {
  it.each([
    ['n02123045', ['animal', 'cat', 'tabby']],
    ['n04285008', ['vehicle', 'car', 'sports car']],
    ['n02099601', ['animal', 'dog', 'golden retriever']],
    ['n02129604', ['animal', 'big cat', 'tiger']],
    ['n01484850', ['animal', 'fish', 'shark', 'great white shark']],
    ['n01795545', ['animal', 'bird', 'black grouse']], // via "game bird", not "bird"
    ['n02012849', ['animal', 'bird', 'crane']],
    ['n03126707', ['device', 'crane']], // fallback anchor
    ['n04487081', ['vehicle', 'bus', 'trolleybus']], // public transport counts as vehicle
    ['n03417042', ['vehicle', 'truck', 'garbage truck']],
    ['n07753592', ['food', 'fruit', 'banana']],
    ['n07920052', ['food', 'drink', 'espresso']],
    ['n11939491', ['plant', 'flower', 'daisy']],
    ['n12267677', ['plant', 'acorn']],
    ['n09472597', ['landscape', 'volcano']],
    ['n04536866', ['musical instrument', 'violin']],
    ['n10565667', ['person', 'scuba diver']],
    ['n09229709', ['shape', 'bubble']],
    ['n15075141', ['paper', 'toilet tissue']],
  ])('%s → %j', async (wnid, expected) => {
    expect(rollupChain(await loadHierarchy(), wnid)).toEqual(expected);
  });

  it('gives [] for a wnid that is not a class', async () => {
    const hierarchy = await loadHierarchy();
    expect(rollupChain(hierarchy, 'n00015388')).toEqual([]);
    expect(rollupChain(hierarchy, '')).toEqual([]);
  });

  it('gives every ImageNet class at least one general tag, ending with its own label', async () => {
    const hierarchy = await loadHierarchy();
    for (const { wnid, name } of await imagenetLabels()) {
      const chain = rollupChain(hierarchy, wnid);
      expect(chain.length, wnid).toBeGreaterThanOrEqual(2);
      expect(chain.length, wnid).toBeLessThanOrEqual(4);
      expect(chain.at(-1)).toBe(name);
      expect(new Set(chain).size, wnid).toBe(chain.length);
    }
  });

  it('names a tag given by two synsets once, at the more general one', () => {
    // Both WordNet "food" synsets are anchors; a chain through both yields one "food".
    const hierarchy: Hierarchy = hierarchyFromJson({
      format: 'skiptag-imagenet-hierarchy/1',
      synsets: { n00001740: 'entity', n00021265: 'food', n07555863: 'food', n00000001: 'snack' },
      classes: { n00000001: 'snack' },
      chains: { n00000001: ['n00001740', 'n00021265', 'n07555863', 'n00000001'] },
    });
    expect(rollupAnchors(hierarchy, 'n00000001')).toEqual([{ wnid: 'n00021265', name: 'food' }]);
    expect(rollupChain(hierarchy, 'n00000001')).toEqual(['food', 'snack']);
  });

  it('lists a class named like its anchor once', () => {
    const hierarchy = hierarchyFromJson({
      format: 'skiptag-imagenet-hierarchy/1',
      synsets: { n00001740: 'entity', n02084071: 'dog', n00000002: 'dog' },
      classes: { n00000002: 'dog' },
      chains: { n00000002: ['n00001740', 'n02084071', 'n00000002'] },
    });
    expect(rollupChain(hierarchy, 'n00000002')).toEqual(['dog']);
  });
});

describe('rollupTags', () => {
  it.each([
    [0, ['tabby']],
    [1, ['tabby', 'cat']],
    [2, ['tabby', 'cat', 'animal']],
    ['all', ['tabby', 'cat', 'animal']],
  ] as const)('level %j → %j', async (level, expected) => {
    expect(rollupTags(await loadHierarchy(), 'n02123045', level)).toEqual(expected);
  });

  it("'all' goes further than 2 where there are more anchors", async () => {
    const hierarchy = await loadHierarchy();
    expect(rollupTags(hierarchy, 'n01484850', 2)).toEqual(['great white shark', 'shark', 'fish']);
    expect(rollupTags(hierarchy, 'n01484850', 'all')).toEqual([
      'great white shark',
      'shark',
      'fish',
      'animal',
    ]);
  });

  it('gives [] for an unknown wnid at any level', async () => {
    expect(rollupTags(await loadHierarchy(), 'n99999999', 'all')).toEqual([]);
  });
});
