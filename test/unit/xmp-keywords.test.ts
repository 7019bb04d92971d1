// Unit tests for keyword write-back rules (engine): which tags, Skiptag|… paths, merging, sidecar and temp names.
import { describe, expect, it } from 'vitest';
import type { TagRow } from '../../src-main/engine/library/library-types.js';
import type { XmpKeyword } from '../../src-main/engine/library/xmp-repo.js';
import { emptyFields, type KeywordFields } from '../../src-main/engine/xmp/keyword-fields.js';
import {
  hierarchyPath,
  planMerge,
  type Rollup,
  selectTags,
} from '../../src-main/engine/xmp/merge-keywords.js';
import { sidecarCandidates, sidecarPath } from '../../src-main/engine/xmp/sidecar-writer.js';
import { isTempName, tempPathFor } from '../../src-main/engine/xmp/publish-write.js';

const rollup: Rollup = (wnid) =>
  ({ n02123045: ['animal', 'cat', 'tabby'], n02084071: ['animal', 'dog'] })[wnid] ?? [];

const tag = (
  name: string,
  state: TagRow['state'],
  score: number | null,
  source: TagRow['source'] = 'auto',
) => ({
  tag: name,
  state,
  score,
  source,
});

describe('selecting tags', () => {
  const wnids = new Map([
    ['tabby', 'n02123045'],
    ['dog', 'n02084071'],
  ]);

  it('writes accepted tags always, suggestions at or above the threshold, rejected never', () => {
    const selection = selectTags(
      [
        tag('holiday', 'accepted', null, 'user'),
        tag('tabby', 'suggested', 0.6),
        tag('dog', 'suggested', 0.2),
        tag('tiger cat', 'rejected', 0.9),
        tag('low but accepted', 'accepted', 0.01),
      ],
      wnids,
      0.5,
      rollup,
    );
    expect(selection.keywords).toEqual(['holiday', 'tabby', 'low but accepted']);
    // The user's own keyword ('holiday') is a plain keyword only: Skiptag's branch holds the model's tags.
    expect(selection.hierarchical).toEqual(['Skiptag|animal|cat|tabby', 'Skiptag|low but accepted']);
    expect(selectTags([tag('dog', 'suggested', 0.2)], wnids, 0.2, rollup).keywords).toEqual(['dog']);
  });

  it('puts classes under their rollup path and other tags straight under Skiptag, with no separators inside names', () => {
    expect(hierarchyPath('tabby', 'n02123045', rollup)).toBe('Skiptag|animal|cat|tabby');
    expect(hierarchyPath('狗', undefined, rollup)).toBe('Skiptag|狗');
    expect(hierarchyPath('a/b|c', undefined, rollup)).toBe('Skiptag|a-b-c');
    expect(hierarchyPath('mystery', 'n00000000', rollup)).toBe('Skiptag|mystery');
  });
});

const fields = (patch: Partial<KeywordFields>): KeywordFields => ({ ...emptyFields(), ...patch });
const flat = (...keywords: string[]): XmpKeyword[] =>
  keywords.map((keyword) => ({ keyword, hierarchical: false }));
const paths = (...keywords: string[]): XmpKeyword[] =>
  keywords.map((keyword) => ({ keyword, hierarchical: true }));

describe('merging keywords', () => {
  it('adds to an empty file and records everything as written by Skiptag', () => {
    const plan = planMerge(emptyFields(), { keywords: ['café'], hierarchical: ['Skiptag|café'] }, [], false);
    expect(plan.fields).toEqual(
      fields({ subject: ['café'], hierarchical: ['Skiptag|café'], tagsList: ['Skiptag/café'] }),
    );
    expect(plan.changedFields).toEqual(['subject', 'hierarchical', 'tagsList']);
    expect(plan.added).toEqual(['café', 'Skiptag|café']);
    expect(plan.written).toEqual([...flat('café'), ...paths('Skiptag|café')]);
  });

  it("keeps other tools' keywords, in order, and does not claim the ones it also selects", () => {
    const existing = fields({
      subject: ['Paris', 'dog'],
      hierarchical: ['Places|Paris'],
      tagsList: ['Places/Paris'],
    });
    const plan = planMerge(
      existing,
      { keywords: ['dog', 'tabby'], hierarchical: ['Skiptag|tabby'] },
      [],
      false,
    );
    expect(plan.fields.subject).toEqual(['Paris', 'dog', 'tabby']);
    expect(plan.fields.hierarchical).toEqual(['Places|Paris', 'Skiptag|tabby']);
    expect(plan.fields.tagsList).toEqual(['Places/Paris', 'Skiptag/tabby']);
    expect(plan.written).toEqual([...flat('tabby'), ...paths('Skiptag|tabby')]);
    expect(plan.added).toEqual(['tabby', 'Skiptag|tabby']);
  });

  it('removes only what it wrote earlier and no longer selects', () => {
    const existing = fields({
      subject: ['dog', 'tabby', 'Paris'],
      hierarchical: ['Skiptag|tabby', 'Places|Paris'],
      tagsList: ['Skiptag/tabby'],
    });
    // 'dog' was there before Skiptag wrote (not in previous), 'tabby' is Skiptag's and now rejected.
    const plan = planMerge(
      existing,
      { keywords: [], hierarchical: [] },
      [...flat('tabby'), ...paths('Skiptag|tabby')],
      false,
    );
    expect(plan.fields).toEqual(
      fields({ subject: ['dog', 'Paris'], hierarchical: ['Places|Paris'], tagsList: [] }),
    );
    expect(plan.removed).toEqual(['tabby', 'Skiptag|tabby']);
    expect(plan.written).toEqual([]);
  });

  it("takes out the Skiptag path an older version wrote for a user's keyword, and keeps the keyword", () => {
    const selection = selectTags([tag('holiday', 'accepted', null, 'user')], new Map(), 0, rollup);
    expect(selection).toEqual({ keywords: ['holiday'], hierarchical: [] });
    const plan = planMerge(
      fields({ subject: ['holiday'], hierarchical: ['Skiptag|holiday'], tagsList: ['Skiptag/holiday'] }),
      selection,
      [...flat('holiday'), ...paths('Skiptag|holiday')],
      false,
    );
    expect(plan.fields).toEqual(fields({ subject: ['holiday'] }));
    expect(plan.removed).toEqual(['Skiptag|holiday']);
    expect(plan.written).toEqual(flat('holiday'));
  });

  it('reports no change when everything is in place, and re-adds what was deleted by hand', () => {
    const existing = fields({
      subject: ['tabby'],
      hierarchical: ['Skiptag|tabby'],
      tagsList: ['Skiptag/tabby'],
    });
    const selection = { keywords: ['tabby'], hierarchical: ['Skiptag|tabby'] };
    const previous = [...flat('tabby'), ...paths('Skiptag|tabby')];
    expect(planMerge(existing, selection, previous, false).changedFields).toEqual([]);
    const again = planMerge(fields({ ...existing, subject: [] }), selection, previous, false);
    expect(again.changedFields).toEqual(['subject']);
    expect(again.written).toEqual(previous);
  });

  it('merges IPTC keywords only when asked to', () => {
    const existing = fields({ iptc: ['old'] });
    const selection = { keywords: ['狗'], hierarchical: [] };
    expect(planMerge(existing, selection, [], false).fields.iptc).toEqual(['old']);
    const withIptc = planMerge(existing, selection, flat('old'), true);
    expect(withIptc.fields.iptc).toEqual(['狗']);
    expect(withIptc.changedFields).toEqual(['subject', 'iptc']);
  });
});

describe('file names', () => {
  it('names sidecars the darktable/digiKam or the Adobe way', () => {
    expect(sidecarPath('/p/IMG 1.JPG', 'ext')).toBe('/p/IMG 1.JPG.xmp');
    expect(sidecarPath('/p/IMG 1.JPG', 'replace')).toBe('/p/IMG 1.xmp');
    expect(sidecarPath('/p/noext', 'replace')).toBe('/p/noext.xmp');
    expect(sidecarCandidates('/p/a.jpg')).toEqual(['/p/a.jpg.xmp', '/p/a.xmp']);
  });

  it('puts hidden temps with the same extension beside the target, short enough for long names', () => {
    const temp = tempPathFor('/p/photo.jpg');
    expect(temp).toMatch(/^\/p\/\.photo\.jpg\.skiptag-\d+-[0-9a-f]{12}\.jpg$/);
    expect(isTempName(temp.slice(3))).toBe(true);
    expect(isTempName('photo.jpg')).toBe(false);
    const long = tempPathFor(`/p/${'é'.repeat(120)}.xmp`);
    expect(Buffer.byteLength(long.slice(3))).toBeLessThan(255);
    expect(long.endsWith('.xmp')).toBe(true);
  });
});
