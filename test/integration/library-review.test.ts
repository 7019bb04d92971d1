// Integration tests for bulk review in the library (engine): counts by tag and state, histograms, accept above a threshold, review counts, sorts, subfolders.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import type { GridFilter, GridSort } from '../../src-main/engine/library/library-types.js';

let dir: string;
let library: Library;
let model: number;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-review-'));
  library = Library.open(path.join(dir, 'library.db'));
  model = library.ensureModel('sha-model', 'colours.onnx');
});
afterEach(() => {
  library.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An image at `p`, classified with these labels (pending when none), taken at `takenAt`. */
function add(p: string, labels: [string, number][] = [], takenAt: string | null = null): number {
  const id = library.insertImage(
    { path: Buffer.from(p), display: p, size: 10, mtimeMs: 1, devIno: `1:${p}` },
    null,
    1,
  ).id;
  if (labels.length > 0 || takenAt !== null) {
    library.recordSuccess(id, {
      modelId: model,
      provider: 'cpu',
      classifiedAt: '2026-01-01T00:00:00.000Z',
      sha256: `sha-${id}`,
      size: 10,
      format: 'jpeg',
      width: 4,
      height: 3,
      takenAt,
      predictions: labels.map(([label, score], index) => ({ index, label, wnid: '', score })),
    });
  }
  return id;
}

const grid = (filter: Partial<GridFilter>, sort?: GridSort) =>
  library.queryImages({ review: 'all', ...filter }, { offset: 0, limit: 1000 }, sort);
const names = (filter: Partial<GridFilter>, sort?: GridSort) =>
  grid(filter, sort).items.map((item) => item.name);
const states = (id: number) => Object.fromEntries(library.tagsForImage(id).map((t) => [t.tag, t.state]));

describe('counts by tag and state', () => {
  it('counts suggestions from the display threshold and every decision, most photos first; the grid agrees', () => {
    const a = add('/p/a.jpg', [
      ['orange', 0.94],
      ['yellow', 0.05],
    ]);
    add('/p/b.jpg', [
      ['orange', 0.5],
      ['grey', 0.004],
    ]);
    const c = add('/p/c.jpg', [
      ['grey', 0.003],
      ['orange', 0.2],
    ]);
    add('/p/gone.jpg', [['orange', 0.9]]);
    library.markMissingPath(Buffer.from('/p/gone.jpg'));
    library.setTagState([a], 'orange', 'rejected');
    library.setTagState([c], 'grey', 'accepted');

    const counts = library.tagStateCounts(0.1);
    expect(counts).toEqual([
      { tag: 'orange', suggested: 2, accepted: 0, rejected: 1, photos: 2 },
      // grey: the suggestion at 0.4% is under the threshold; the accepted one counts as a decision.
      { tag: 'grey', suggested: 0, accepted: 1, rejected: 0, photos: 0 },
    ]);
    // "photos" is what the grid lists for the tag from that threshold.
    expect(grid({ tag: 'orange', minScore: 0.1 }).total).toBe(2);
    // At 0 every suggestion counts, so yellow appears; at equal photos, the tag with decisions comes first.
    expect(library.tagStateCounts(0).map((t) => [t.tag, t.suggested, t.photos])).toEqual([
      ['grey', 1, 2],
      ['orange', 2, 2],
      ['yellow', 1, 1],
    ]);
  });

  it('draws each tag’s waiting suggestions in 1% bins that agree with the bulk accept at every step', () => {
    const scores = [0.29, 0.2899, 0.5, 0.999, 1, 0.01, 0.05];
    const ids = scores.map((s, i) => add(`/p/${i}.jpg`, [['dog', s]]));
    add('/p/cat.jpg', [['cat', 0.7]]);
    library.setTagState([ids[2] ?? 0], 'dog', 'accepted');
    const dog = library.scoreHistogram('dog');
    expect(dog.bins).toHaveLength(100);
    expect({ suggested: dog.suggested, accepted: dog.accepted, rejected: dog.rejected }).toEqual({
      suggested: 6,
      accepted: 1,
      rejected: 0,
    });
    expect(dog.bins[28]).toBe(1);
    expect(dog.bins[29]).toBe(1);
    expect(dog.bins[99]).toBe(2);
    for (const k of [1, 5, 28, 29, 30, 99]) {
      const fromBins = dog.bins.slice(k).reduce((a, b) => a + b, 0);
      expect(library.acceptSuggestionsAbove('dog', k / 100, true).suggestions, `at ${k}%`).toBe(fromBins);
    }
    expect(library.scoreHistogram(null).suggested).toBe(7);
  });
});

describe('accepting every suggestion above a threshold', () => {
  it('counts first, then accepts only waiting suggestions at or above it, per tag, and the groups undo it', () => {
    const a = add('/p/a.jpg', [
      ['dog', 0.95],
      ['animal', 0.97],
    ]);
    const b = add('/p/b.jpg', [['dog', 0.85]]);
    const c = add('/p/c.jpg', [['dog', 0.79]]);
    const d = add('/p/d.jpg', [['dog', 0.99]]);
    add('/p/gone.jpg', [['dog', 0.99]]);
    library.markMissingPath(Buffer.from('/p/gone.jpg'));
    library.setTagState([d], 'dog', 'rejected');

    expect(library.acceptSuggestionsAbove('dog', 0.8, true)).toEqual({
      suggestions: 2,
      photos: 2,
      groups: [],
    });
    expect(states(a).dog).toBe('suggested');
    const accepted = library.acceptSuggestionsAbove('dog', 0.8);
    expect(accepted).toEqual({ suggestions: 2, photos: 2, groups: [{ tag: 'dog', imageIds: [a, b] }] });
    expect([states(a), states(b), states(c), states(d)]).toEqual([
      { dog: 'accepted', animal: 'suggested' },
      { dog: 'accepted' },
      { dog: 'suggested' },
      { dog: 'rejected' },
    ]);

    // Across all tags: two suggestions on one photo count once as a photo.
    library.resetToSuggestion([a, b], 'dog');
    const all = library.acceptSuggestionsAbove(null, 0.9);
    expect(all.suggestions).toBe(2);
    expect(all.photos).toBe(1);
    expect(all.groups.sort((x, y) => x.tag.localeCompare(y.tag))).toEqual([
      { tag: 'animal', imageIds: [a] },
      { tag: 'dog', imageIds: [a] },
    ]);
    for (const group of all.groups) library.resetToSuggestion(group.imageIds, group.tag);
    expect(states(a)).toEqual({ dog: 'suggested', animal: 'suggested' });
  });
});

describe('review filters and their counts', () => {
  it('hide suggestions under the display threshold: such photos are untagged, not waiting for review', () => {
    add('/p/dog.jpg', [['dog', 0.9]]);
    add('/p/noise.jpg', [['grey', 0.004]]);
    const decided = add('/p/decided.jpg', [['cat', 0.6]]);
    library.setTagState([decided], 'cat', 'accepted');
    add('/p/pending.jpg');
    const broken = add('/p/broken.jpg');
    library.recordFailure(broken, { code: 'unsupported_format', message: 'HEIC' }, 'error');

    expect(names({ review: 'needs-review', suggestionMin: 0.1 })).toEqual(['dog.jpg']);
    expect(names({ review: 'untagged', suggestionMin: 0.1 })).toEqual(['noise.jpg']);
    // Without the threshold, as before: any suggestion needs review.
    expect(names({ review: 'needs-review' })).toEqual(['dog.jpg', 'noise.jpg']);
    const counts = library.reviewCounts(0.1);
    expect(counts).toEqual({ all: 5, needsReview: 1, untagged: 1, errors: 1, pending: 1 });
    for (const [review, n] of [
      ['all', counts.all],
      ['needs-review', counts.needsReview],
      ['untagged', counts.untagged],
      ['errors', counts.errors],
    ] as const) {
      expect(grid({ review, suggestionMin: 0.1 }).total, review).toBe(n);
    }
    // A failed photo says why: the grid shows its kind of failure.
    expect(grid({ review: 'errors' }).items[0]).toMatchObject({
      status: 'error',
      errorCode: 'unsupported_format',
    });
  });
});

describe('sorting', () => {
  it('by name, date taken (photos without one last), date added or the tag’s score, either way', () => {
    add('/p/b.jpg', [['dog', 0.2]], '2014-09-19T16:08:30');
    add('/p/c.jpg', [['dog', 0.9]]);
    add('/p/a.jpg', [['dog', 0.5]], '2010-06-06T12:27:25');
    expect(names({})).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    expect(names({}, { by: 'name', descending: true })).toEqual(['c.jpg', 'b.jpg', 'a.jpg']);
    expect(names({}, { by: 'taken', descending: false })).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    expect(names({}, { by: 'taken', descending: true })).toEqual(['b.jpg', 'a.jpg', 'c.jpg']);
    expect(names({}, { by: 'added', descending: true })).toEqual(['a.jpg', 'c.jpg', 'b.jpg']);
    expect(names({ tag: 'dog' })).toEqual(['c.jpg', 'a.jpg', 'b.jpg']);
    expect(names({ tag: 'dog' }, { by: 'score', descending: false })).toEqual(['b.jpg', 'a.jpg', 'c.jpg']);
    // Score without a tag to score by: name order.
    expect(names({}, { by: 'score', descending: false })).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    expect(grid({}, { by: 'taken', descending: false }).items[0]?.takenAt).toBe('2010-06-06T12:27:25');
  });
});

describe('subfolders', () => {
  it('lists the subfolders holding photos, and filters by one without leaving the folder', () => {
    const folder = library.upsertFolder(Buffer.from('/lib'), '/lib', true);
    for (const p of [
      '/lib/a.jpg',
      '/lib/2024/b.jpg',
      '/lib/2024/beach/c.jpg',
      '/lib/2024/beach/d.jpg',
      '/lib2/x.jpg',
    ])
      add(p);
    expect(library.subfolderCounts(folder)).toEqual([
      { path: '', count: 1 },
      { path: '2024', count: 1 },
      { path: '2024/beach', count: 2 },
    ]);
    expect(names({ folderId: folder.id, subfolder: '2024' })).toEqual(['b.jpg', 'c.jpg', 'd.jpg']);
    expect(names({ folderId: folder.id, subfolder: '2024/beach' })).toEqual(['c.jpg', 'd.jpg']);
    expect(names({ folderId: folder.id, subfolder: '' })).toEqual(['b.jpg', 'c.jpg', 'd.jpg', 'a.jpg']);
    // The library's own check, behind the contract's: a path that tries to leave the folder matches nothing.
    expect(grid({ folderId: folder.id, subfolder: '../lib2' })).toEqual({ total: 0, items: [] });
  });
});

describe('RAW+JPEG pairs in the review views', () => {
  it('count a pair as one photo, and a bulk accept decides both of its files', () => {
    const raw = add('/lib/p/IMG_0001.CR2', [['dog', 0.9]]);
    const jpeg = add('/lib/p/IMG_0001.JPG', [['dog', 0.8]]);
    const alone = add('/lib/p/IMG_0002.JPG', [['dog', 0.7]]);
    const folder = library.upsertFolder(Buffer.from('/lib'), '/lib', true);
    expect(grid({}).total).toBe(2);
    expect(library.reviewCounts(0.1)).toMatchObject({ all: 2, needsReview: 2 });
    expect(library.tagStateCounts(0.1)).toEqual([
      { tag: 'dog', suggested: 2, accepted: 0, rejected: 0, photos: 2 },
    ]);
    expect(library.scoreHistogram('dog').suggested).toBe(2);
    expect(library.subfolderCounts(folder)).toEqual([{ path: 'p', count: 2 }]);
    expect(library.acceptSuggestionsAbove('dog', 0.5, true)).toMatchObject({ suggestions: 2, photos: 2 });

    // The JPEG is shown now; its score (0.8) decides, and the RAW takes the same decision.
    library.pairPrimary = 'jpeg';
    const accepted = library.acceptSuggestionsAbove('dog', 0.75);
    expect(accepted).toMatchObject({ suggestions: 1, photos: 1, groups: [{ tag: 'dog', imageIds: [jpeg] }] });
    expect(states(raw)).toEqual({ dog: 'accepted' });
    expect(states(alone)).toEqual({ dog: 'suggested' });
    expect(library.reviewCounts(0.1)).toMatchObject({ all: 2, needsReview: 1 });
    expect(library.tagStateCounts(0.1)).toEqual([
      { tag: 'dog', suggested: 1, accepted: 1, rejected: 0, photos: 2 },
    ]);
  });
});
