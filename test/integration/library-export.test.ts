// Integration tests for library queries (engine): export filters and selections, paging, tag search and status counts.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';

let dir: string;
let library: Library;
let model: number;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-export-'));
  library = Library.open(path.join(dir, 'library.db'));
  model = library.ensureModel('sha-model', 'resnet50.onnx');
});
afterEach(() => {
  library.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Adds an image at raw path bytes, classified with these labels (or left pending when none). */
function add(p: string | Buffer, labels: [string, number][] = []): number {
  const bytes = typeof p === 'string' ? Buffer.from(p) : p;
  const id = library.insertImage(
    { path: bytes, display: bytes.toString('utf8'), size: 1, mtimeMs: 1, devIno: '1:1' },
    null,
    1,
  ).id;
  if (labels.length > 0) {
    library.recordSuccess(id, {
      modelId: model,
      provider: 'cpu',
      classifiedAt: '2026-01-01T00:00:00.000Z',
      sha256: `sha-${id}`,
      size: 1,
      format: 'jpeg',
      width: 1,
      height: 1,
      predictions: labels.map(([label, score], index) => ({ index, label, wnid: '', score })),
    });
  }
  return id;
}

const paths = (filter: Parameters<Library['exportImages']>[0]) =>
  [...library.exportImages(filter)].map((i) => i.path);

describe('exportImages', () => {
  it('filters by folder byte-wise on a component boundary', () => {
    add('/photos/a.jpg');
    add('/photos/sub/b.jpg');
    add('/photos2/c.jpg');
    add('/photos.jpg');
    add(Buffer.from([0x2f, 0x70, 0x68, 0x6f, 0x74, 0x6f, 0x73, 0x2f, 0xff, 0x2e, 0x6a]));
    add(Buffer.from([0x2f, 0x6e, 0xff, 0x2f, 0x64, 0x2e, 0x6a]));
    expect(paths({ folder: Buffer.from('/photos') })).toEqual([
      '/photos/a.jpg',
      '/photos/sub/b.jpg',
      '/photos/\uFFFD.j',
    ]);
    expect(paths({ folder: Buffer.from('/photos/') })).toHaveLength(3);
    expect(paths({ folder: Buffer.from('/photos/sub') })).toEqual(['/photos/sub/b.jpg']);
    expect(paths({ folder: Buffer.from([0x2f, 0x6e, 0xff]) })).toEqual(['/n\uFFFD/d.j']);
    expect(paths({ folder: Buffer.from([0x2f, 0x6e, 0xfe]) })).toEqual([]);
    expect(paths({})).toHaveLength(6);
  });

  it('filters by tag (suggested or accepted, never rejected) and minimum score', () => {
    const high = add('/p/high.jpg', [['tabby', 0.9]]);
    const low = add('/p/low.jpg', [['tabby', 0.2]]);
    const rejected = add('/p/rejected.jpg', [['tabby', 0.95]]);
    const userOnly = add('/p/user.jpg');
    add('/p/other.jpg', [['lynx', 0.9]]);
    library.setTagState([rejected], 'tabby', 'rejected');
    library.setTagState([userOnly], 'tabby', 'accepted');
    library.setTagState([low], 'tabby', 'accepted');
    expect(paths({ tag: 'tabby' })).toEqual(['/p/high.jpg', '/p/low.jpg', '/p/user.jpg']);
    expect(paths({ tag: 'tabby', minScore: 0.5 })).toEqual(['/p/high.jpg', '/p/user.jpg']);
    expect(paths({ tag: 'tabby', minScore: 0.5, folder: Buffer.from('/p/high.jpg') })).toEqual([
      '/p/high.jpg',
    ]);
    expect(paths({ tag: 'nothing' })).toEqual([]);
    expect(high).toBeGreaterThan(0);
  });

  it('streams every image of a large library or folder in path order, across pages', () => {
    library.transaction(() => {
      for (let i = 0; i < 1234; i++)
        add(`/big/${String(i).padStart(5, '0')}.jpg`, i % 2 === 0 ? [['tabby', i / 1234]] : []);
      add('/big');
      add('/big2/x.jpg');
      add('/bia/y.jpg');
    });
    const all = paths({});
    expect(all).toHaveLength(1237);
    expect(all).toEqual([...all].sort());
    const folder = paths({ folder: Buffer.from('/big') });
    expect(folder).toHaveLength(1235);
    expect(folder[0]).toBe('/big');
    expect(folder.slice(1)).toEqual(all.filter((p) => p.startsWith('/big/')));
    const expected = Array.from({ length: 1234 }, (_, i) => i).filter((i) => i % 2 === 0 && i / 1234 >= 0.5);
    expect(paths({ tag: 'tabby', minScore: 0.5, folder: Buffer.from('/big/') })).toHaveLength(
      expected.length,
    );
  });

  it('selects images by id, in path order, with the other filters applied on top', () => {
    const c = add('/sel/c.jpg', [['tabby', 0.9]]);
    const a = add('/sel/a.jpg', [['tabby', 0.2]]);
    const b = add('/sel/sub/b.jpg');
    add('/sel/not-chosen.jpg', [['tabby', 0.9]]);
    expect(paths({ imageIds: [c, a, b, c, 424_242] })).toEqual([
      '/sel/a.jpg',
      '/sel/c.jpg',
      '/sel/sub/b.jpg',
    ]);
    expect(paths({ imageIds: [c, a, b], tag: 'tabby', minScore: 0.5 })).toEqual(['/sel/c.jpg']);
    expect(paths({ imageIds: [c, a, b], folder: Buffer.from('/sel/sub') })).toEqual(['/sel/sub/b.jpg']);
    expect(paths({ imageIds: [] })).toEqual([]);
  });

  it('streams a selection larger than a page in path order, across pages', () => {
    const ids = library.transaction(() =>
      Array.from({ length: 1500 }, (_, i) => add(`/many/${String(1499 - i).padStart(5, '0')}.jpg`)),
    );
    const chosen = ids.filter((_, i) => i % 3 !== 0);
    const exported = [...library.exportImages({ imageIds: chosen })];
    expect(exported.map((image) => image.imageId).sort((x, y) => x - y)).toEqual(chosen);
    const names = exported.map((image) => image.path);
    expect(names).toEqual([...names].sort());
  });
});

describe('imagesWithTag', () => {
  it('pages through hits best first within a score band, leaving out missing images', () => {
    const ids = library.transaction(() =>
      Array.from({ length: 10 }, (_, i) => add(`/p/${i}.jpg`, [['tabby', (i + 1) / 10]])),
    );
    const user = add('/p/user.jpg');
    library.setTagState([user], 'tabby', 'accepted');
    library.setTagState(ids.slice(9), 'tabby', 'rejected');
    library.markMissingPath(Buffer.from('/p/8.jpg'));
    const all = library.imagesWithTag('tabby', { limit: 100 });
    expect(all.total).toBe(9);
    expect(all.hits[0]).toEqual({ imageId: user, score: 1, state: 'accepted' });
    expect(all.hits.slice(1).map((h) => h.imageId)).toEqual(ids.slice(0, 8).reverse());
    const band = library.imagesWithTag('tabby', { minScore: 0.3, maxScore: 0.6, limit: 2, offset: 1 });
    expect(band.total).toBe(4);
    expect(band.hits.map((h) => h.score)).toEqual([0.5, 0.4]);
  });
});

describe('statusCounts', () => {
  it('counts folders, images by status, tagged images and user decisions', () => {
    library.upsertFolder(Buffer.from('/p'), '/p', true);
    const a = add('/p/a.jpg', [
      ['tabby', 0.9],
      ['lynx', 0.1],
    ]);
    const b = add('/p/b.jpg', [['lynx', 0.9]]);
    add('/p/c.jpg');
    const d = add('/p/d.jpg');
    library.recordFailure(d, { code: 'corrupt', message: 'bad' }, 'error');
    library.setTagState([a], 'tabby', 'accepted');
    library.setTagState([a], 'lynx', 'rejected');
    library.setTagState([b], 'lynx', 'rejected');
    library.markMissingPath(Buffer.from('/p/b.jpg'));
    expect(library.statusCounts()).toEqual({
      folders: 1,
      images: 4,
      byStatus: { pending: 1, ok: 1, error: 1, missing: 1, crashed: 0 },
      tagged: 1,
      acceptedTags: 1,
      rejectedTags: 2,
    });
  });
});
