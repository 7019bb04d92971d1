// Tests for the sidebar's trees (renderer): tags under their broader tags, subfolders with totals.
import { describe, expect, it } from 'vitest';
import { folderTree, tagTree } from './trees';

const tag = (name: string, photos: number, parents: string[] = []) => ({
  tag: name,
  suggested: photos,
  accepted: 0,
  rejected: 0,
  photos,
  parents,
});

describe('tagTree', () => {
  it('nests tags under their broader tags, heaviest first, a broader tag that is a tag itself keeping its counts', () => {
    const tree = tagTree([
      tag('golden retriever', 12, ['dog', 'animal']),
      tag('tabby', 3, ['cat', 'animal']),
      tag('dog', 2, ['animal']),
      tag('red', 40),
      tag('beagle', 5, ['dog', 'animal']),
    ]);
    expect(tree.map((n) => [n.name, n.weight])).toEqual([
      ['red', 40],
      ['animal', 22],
    ]);
    const animal = tree[1];
    expect(animal?.summary).toBeUndefined();
    expect(animal?.children.map((n) => [n.name, n.weight, n.summary?.photos])).toEqual([
      ['dog', 19, 2],
      ['cat', 3, undefined],
    ]);
    expect(animal?.children[0]?.children.map((n) => n.name)).toEqual(['golden retriever', 'beagle']);
  });
});

describe('folderTree', () => {
  it('adds up the photos under each subfolder', () => {
    const tree = folderTree([
      { path: '', count: 4 },
      { path: '2023', count: 1 },
      { path: '2024', count: 2 },
      { path: '2024/beach', count: 3 },
      { path: '2024/beach/day 2', count: 1 },
    ]);
    expect(tree.map((n) => [n.path, n.total])).toEqual([
      ['2023', 1],
      ['2024', 6],
    ]);
    expect(tree[1]?.children[0]).toMatchObject({ name: 'beach', path: '2024/beach', total: 4 });
    expect(tree[1]?.children[0]?.children[0]).toMatchObject({ path: '2024/beach/day 2', total: 1 });
  });
});
