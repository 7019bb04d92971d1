// Integration tests for the app's views of the library (engine): grid query, folder cards, tag list, details, undo.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import type { GridFilter } from '../../src-main/engine/library/library-types.js';

let dir: string;
let library: Library;
let model: number;
let clock: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-views-'));
  clock = '2026-01-01T00:00:00.000Z';
  library = Library.open(path.join(dir, 'library.db'), { now: () => clock });
  model = library.ensureModel('sha-model', 'resnet50.onnx');
});
afterEach(() => {
  library.close();
  rmSync(dir, { recursive: true, force: true });
});

/** An image at `p` in `folderId`, classified with these labels (pending when there are none). */
function add(p: string, folderId: number | null, labels: [string, number][] = [], modelId = model): number {
  const id = library.insertImage(
    { path: Buffer.from(p), display: p, size: 10, mtimeMs: 1, devIno: `1:${p}` },
    folderId,
    1,
  ).id;
  if (labels.length > 0) classify(id, labels, modelId, '2026-01-01T00:00:00.000Z');
  return id;
}

function classify(id: number, labels: [string, number][], modelId: number, at: string): void {
  library.recordSuccess(id, {
    modelId,
    provider: 'cpu',
    classifiedAt: at,
    sha256: `sha-${id}`,
    size: 10,
    format: 'jpeg',
    width: 4,
    height: 3,
    predictions: labels.map(([label, score], index) => ({ index, label, wnid: `n${index}`, score })),
  });
}

const grid = (filter: Partial<GridFilter>, offset = 0, limit = 100) =>
  library.queryImages({ review: 'all', ...filter }, { offset, limit });
const names = (filter: Partial<GridFilter>) => grid(filter).items.map((item) => item.name);

describe('the grid query', () => {
  it('filters by folder, review state and text; pages with a total; leaves missing photos out', () => {
    const folder = library.upsertFolder(Buffer.from('/p'), '/p', true);
    const cat = add('/p/cat.jpg', folder.id, [['tabby', 0.9]]);
    const reviewed = add('/p/sub/reviewed.jpg', folder.id, [['lynx', 0.6]]);
    add('/p/100%_sure.jpg', folder.id);
    const broken = add('/q/broken.jpg', null);
    add('/q/gone.jpg', null, [['tabby', 0.8]]);
    library.setTagState([reviewed], 'lynx', 'accepted');
    library.recordFailure(broken, { code: 'corrupt', message: 'truncated' }, 'error');
    library.markMissingPath(Buffer.from('/q/gone.jpg'));

    expect(names({})).toEqual(['100%_sure.jpg', 'cat.jpg', 'reviewed.jpg', 'broken.jpg']);
    expect(names({ folderId: folder.id })).toEqual(['100%_sure.jpg', 'cat.jpg', 'reviewed.jpg']);
    expect(grid({ folderId: 424_242 })).toEqual({ total: 0, items: [] });
    expect(names({ review: 'needs-review' })).toEqual(['cat.jpg']);
    expect(names({ review: 'untagged' })).toEqual([]);
    expect(names({ review: 'errors' })).toEqual(['broken.jpg']);
    // LIKE wildcards in the text are literal characters.
    expect(names({ text: '%_' })).toEqual(['100%_sure.jpg']);
    // The search box looks at file names unless asked to look at whole paths.
    expect(names({ text: ' SUB/ ', textIn: 'path' })).toEqual(['reviewed.jpg']);
    expect(names({ text: 'sub' })).toEqual([]);
    expect(names({ text: 'REVIEW' })).toEqual(['reviewed.jpg']);
    const page = grid({}, 1, 2);
    expect(page.total).toBe(4);
    expect(page.items.map((item) => item.id)).toEqual([cat, reviewed]);
    expect(grid({}, 4, 2)).toEqual({ total: 4, items: [] });
    expect(page.items[0]).toEqual({
      id: cat,
      path: '/p/cat.jpg',
      name: 'cat.jpg',
      folderId: folder.id,
      status: 'ok',
      width: 4,
      height: 3,
      tags: [{ tag: 'tabby', score: 0.9, state: 'suggested', source: 'auto' }],
      companions: [],
      errorCode: null,
      takenAt: null,
    });
    expect(library.matchingImageIds({ review: 'all', folderId: folder.id })).toEqual(
      [cat, reviewed, cat + 2].sort((x, y) => x - y),
    );
  });

  it('lists a tag best first within its score band, never where it is rejected', () => {
    const ids = [0.2, 0.9, 0.5, 0.7].map((score, i) => add(`/p/${i}.jpg`, null, [['tabby', score]]));
    library.setTagState([ids[3] ?? 0], 'tabby', 'rejected');
    const user = add('/p/user.jpg', null);
    library.setTagState([user], 'tabby', 'accepted');
    expect(grid({ tag: 'tabby' }).items.map((item) => item.id)).toEqual([user, ids[1], ids[2], ids[0]]);
    expect(grid({ tag: 'tabby', minScore: 0.3, maxScore: 0.8 }).items.map((item) => item.id)).toEqual([
      ids[2],
    ]);
    expect(library.matchingImageIds({ review: 'all', tag: 'tabby', minScore: 0.4 })).toEqual(
      [user, ids[1], ids[2]].sort((x, y) => (x ?? 0) - (y ?? 0)),
    );
  });
});

describe('folder cards, tag list, details and failures', () => {
  it('counts present photos at or under each folder, and tags in use on them', () => {
    const outer = library.upsertFolder(Buffer.from('/p'), '/p', true);
    const inner = library.upsertFolder(Buffer.from('/p/sub'), '/p/sub', false);
    add('/p/a.jpg', outer.id, [['tabby', 0.9]]);
    const b = add('/p/sub/b.jpg', outer.id, [['tabby', 0.8]]);
    add('/p/sub/c.jpg', inner.id, [['lynx', 0.5]]);
    add('/p2/d.jpg', null, [['lynx', 0.7]]);
    library.markMissingPath(Buffer.from('/p2/d.jpg'));
    library.setTagState([b], 'tabby', 'rejected');
    library.markFolderScanned(inner.id, '2026-02-02T00:00:00.000Z');
    expect(library.folderInfo(outer)).toEqual({
      id: outer.id,
      path: '/p',
      watched: true,
      imageCount: 3,
      lastScanAt: null,
    });
    expect(library.folderInfo(library.getFolder(inner.id) ?? inner)).toEqual({
      id: inner.id,
      path: '/p/sub',
      watched: false,
      imageCount: 2,
      lastScanAt: '2026-02-02T00:00:00.000Z',
    });
    expect(library.tagCounts()).toEqual([
      { tag: 'lynx', count: 1 },
      { tag: 'tabby', count: 1 },
    ]);
  });

  it("describes a photo with its latest classification's predictions", () => {
    const newer = library.ensureModel('sha-newer', 'resnet18.onnx');
    const id = add('/p/a.jpg', null, [
      ['tabby', 0.7],
      ['lynx', 0.2],
    ]);
    classify(id, [['Persian cat', 0.6]], newer, '2026-03-01T00:00:00.000Z');
    expect(library.imageDetail(id)).toMatchObject({
      id,
      name: 'a.jpg',
      status: 'ok',
      size: 10,
      format: 'jpeg',
      sha256: `sha-${id}`,
      errorCode: null,
      model: 'resnet18.onnx',
      provider: 'cpu',
      classifiedAt: '2026-03-01T00:00:00.000Z',
      predictions: [{ label: 'Persian cat', wnid: 'n0', score: 0.6, rank: 1 }],
    });
    expect(library.imageDetail(424_242)).toBeUndefined();
  });

  it('lists recorded failures, the most recent first', () => {
    const a = add('/p/a.jpg', null);
    const b = add('/p/b.jpg', null);
    library.recordFailure(a, { code: 'corrupt', message: 'truncated' }, 'error');
    clock = '2026-01-02T00:00:00.000Z';
    library.recordFailure(b, { code: 'too_large', message: 'too many pixels' }, 'crashed');
    expect(library.recordedErrors(10)).toEqual([
      { imageId: b, path: '/p/b.jpg', code: 'too_large', message: 'too many pixels', at: clock },
      { imageId: a, path: '/p/a.jpg', code: 'corrupt', message: 'truncated', at: '2026-01-01T00:00:00.000Z' },
    ]);
    expect(library.recordedErrors(1)).toHaveLength(1);
  });
});

describe('resetToSuggestion', () => {
  it("undoes the user's decisions: the model's tags become suggestions again, the user's own go", () => {
    const accepted = add('/p/accepted.jpg', null, [['tabby', 0.9]]);
    const rejected = add('/p/rejected.jpg', null, [['tabby', 0.4]]);
    const userOnly = add('/p/user.jpg', null);
    const scoredLater = add('/p/later.jpg', null);
    const untouched = add('/p/untouched.jpg', null, [['tabby', 0.3]]);
    library.setTagState([accepted, userOnly, scoredLater], 'tabby', 'accepted');
    library.setTagState([rejected], 'tabby', 'rejected');
    // The user's tag that the model suggested afterwards has a score: it can go back to being a suggestion.
    classify(scoredLater, [['tabby', 0.6]], model, '2026-01-02T00:00:00.000Z');
    const ids = [accepted, rejected, userOnly, scoredLater, untouched, 424_242];
    expect(library.resetToSuggestion(ids, 'tabby')).toBe(4);
    const tabby = (id: number) => library.tagsForImage(id).find((t) => t.tag === 'tabby');
    expect(tabby(accepted)).toEqual({ tag: 'tabby', source: 'auto', state: 'suggested', score: 0.9 });
    expect(tabby(rejected)).toEqual({ tag: 'tabby', source: 'auto', state: 'suggested', score: 0.4 });
    expect(tabby(userOnly)).toBeUndefined();
    expect(tabby(scoredLater)).toEqual({ tag: 'tabby', source: 'auto', state: 'suggested', score: 0.6 });
    expect(tabby(untouched)).toEqual({ tag: 'tabby', source: 'auto', state: 'suggested', score: 0.3 });
    expect(library.resetToSuggestion(ids, 'tabby')).toBe(0);
  });
});
