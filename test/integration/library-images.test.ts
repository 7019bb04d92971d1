// Integration tests for images as scans see them (engine): raw paths, re-seeing, missing, renames, merges, work lists.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import type { SeenFile, SuccessRecord } from '../../src-main/engine/library/library-types.js';

let dir: string;
let library: Library;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-images-'));
  library = Library.open(path.join(dir, 'library.db'));
});
afterEach(() => {
  library.close();
  rmSync(dir, { recursive: true, force: true });
});

function seen(p: string | Buffer, over: Partial<SeenFile> = {}): SeenFile {
  const bytes = typeof p === 'string' ? Buffer.from(p) : p;
  return { path: bytes, display: bytes.toString('utf8'), size: 100, mtimeMs: 1000.5, devIno: '1:2', ...over };
}

function at(ids: number[], i: number): number {
  const id = ids[i];
  if (id === undefined) throw new Error(`no id at ${i}`);
  return id;
}

function success(modelId: number, labels: [string, number][], sha256 = 'sha-a'): SuccessRecord {
  return {
    modelId,
    provider: 'cpu',
    classifiedAt: '2026-01-01T00:00:00.000Z',
    sha256,
    size: 100,
    format: 'jpeg',
    width: 640,
    height: 480,
    predictions: labels.map(([label, score], index) => ({ index, label, wnid: `n${index}`, score })),
  };
}

/** A scan's missing-marking of /p, as a run holding the writer lease does it. */
function markUnseenMissing(scan: number): number | null {
  const holder = { token: 'test-run', pid: process.pid, host: 'test', kind: 'tag' as const, heartbeatMs: 0 };
  library.claimLease(holder, () => true);
  const folder = library.listFolders().find((f) => f.display === '/p');
  return library.markUnseenMissingUnder(Buffer.from('/p'), folder ? [folder.id] : [], scan, holder.token);
}

describe('library images', () => {
  it('keeps non-UTF-8 path bytes exactly, even when two names display the same', () => {
    const folder = library.upsertFolder(Buffer.from([0x2f, 0x64, 0xe9]), '/d\uFFFD', true);
    const a = Buffer.from([0x2f, 0x64, 0xe9, 0x2f, 0x61, 0xff, 0x2e, 0x6a]);
    const b = Buffer.from([0x2f, 0x64, 0xe9, 0x2f, 0x61, 0xfe, 0x2e, 0x6a]);
    const rowA = library.insertImage(seen(a), folder.id, 1);
    const rowB = library.insertImage(seen(b), folder.id, 1);
    expect(rowA.display).toBe(rowB.display);
    expect(library.getImageByPath(a)?.id).toBe(rowA.id);
    expect(library.getImageByPath(b)?.id).toBe(rowB.id);
    expect(library.getImage(rowA.id)?.path.equals(a)).toBe(true);
    expect(library.listFolders()[0]?.path.equals(Buffer.from([0x2f, 0x64, 0xe9]))).toBe(true);
    expect(library.getImageByPath(Buffer.from([0x2f, 0x64, 0xe9, 0x2f, 0x61]))).toBeUndefined();
  });

  it('inserts pending; re-seeing unchanged keeps the status, a changed stat makes it pending again', () => {
    const model = library.ensureModel('m', 'model.onnx');
    const image = library.insertImage(seen('/p/a.jpg'), null, 1);
    expect(image).toMatchObject({
      status: 'pending',
      size: 100,
      mtimeMs: 1000.5,
      devIno: '1:2',
      lastSeenScan: 1,
    });
    library.recordSuccess(image.id, success(model, [['tabby', 0.8]]));
    library.updateSeen(image.id, seen('/p/a.jpg'), 2);
    expect(library.getImage(image.id)).toMatchObject({ status: 'ok', sha256: 'sha-a', lastSeenScan: 2 });
    library.updateSeen(image.id, seen('/p/a.jpg', { mtimeMs: 2000 }), 3);
    expect(library.getImage(image.id)).toMatchObject({ status: 'pending', sha256: null, lastSeenScan: 3 });
    expect(library.needsClassification(image.id, model)).toBe(true);
  });

  it('marks unseen images of a folder missing, and restores their status when they come back', () => {
    const model = library.ensureModel('m', 'model.onnx');
    const folder = library.upsertFolder(Buffer.from('/p'), '/p', true);
    const other = library.upsertFolder(Buffer.from('/q'), '/q', true);
    const a = library.insertImage(seen('/p/a.jpg'), folder.id, 1).id;
    const b = library.insertImage(seen('/p/b.jpg'), folder.id, 1).id;
    const c = library.insertImage(seen('/p/c.jpg'), folder.id, 1).id;
    const elsewhere = library.insertImage(seen('/q/d.jpg'), other.id, 1);
    library.recordSuccess(a, success(model, [['tabby', 0.8]]));
    library.recordFailure(b, { code: 'corrupt', message: 'bad' }, 'error');
    library.touchSeen([c], 2);
    expect(markUnseenMissing(2)).toBe(2);
    expect(markUnseenMissing(2)).toBe(0);
    expect(library.getImage(a)?.status).toBe('missing');
    expect(library.getImage(b)?.status).toBe('missing');
    expect(library.getImage(c)?.status).toBe('pending');
    expect(library.getImage(elsewhere.id)?.status).toBe('pending');
    // Back unchanged (a drive plugged in again): no re-classification needed.
    library.touchSeen([a, b], 3);
    expect(library.getImage(a)?.status).toBe('ok');
    expect(library.getImage(b)).toMatchObject({ status: 'error', errorCode: 'corrupt' });
    expect(library.tagsForImage(a).map((t) => t.tag)).toEqual(['tabby']);
    expect(library.markMissingPath(Buffer.from('/p/a.jpg'))).toBe(true);
    expect(library.markMissingPath(Buffer.from('/p/a.jpg'))).toBe(false);
    expect(library.markMissingPath(Buffer.from('/p/nope.jpg'))).toBe(false);
    library.updateSeen(a, seen('/p/a.jpg'), 4);
    expect(library.getImage(a)?.status).toBe('ok');
  });

  it('moves a renamed file with its predictions and tags', () => {
    const model = library.ensureModel('m', 'model.onnx');
    const folder = library.upsertFolder(Buffer.from('/p'), '/p', true);
    const image = library.insertImage(seen('/p/old.jpg', { devIno: '5:77' }), folder.id, 1);
    library.recordSuccess(
      image.id,
      success(model, [
        ['tabby', 0.8],
        ['tiger cat', 0.1],
      ]),
    );
    library.setTagState([image.id], 'tabby', 'accepted');
    library.setTagState([image.id], 'holiday', 'accepted');
    markUnseenMissing(2);
    expect(library.findMissingByDevIno('5:77').map((r) => r.id)).toEqual([image.id]);
    expect(library.findByDevIno('5:77').map((r) => r.id)).toEqual([image.id]);

    library.movePath(image.id, seen('/p/new.jpg', { devIno: '5:77' }), folder.id, 3);
    expect(library.getImageByPath(Buffer.from('/p/old.jpg'))).toBeUndefined();
    expect(library.getImageByPath(Buffer.from('/p/new.jpg'))).toMatchObject({ id: image.id, status: 'ok' });
    expect(library.needsClassification(image.id, model)).toBe(false);
    // Accepted first; a user's tag without a score counts as certain.
    expect(library.tagsForImage(image.id).map((t) => [t.tag, t.state])).toEqual([
      ['holiday', 'accepted'],
      ['tabby', 'accepted'],
      ['tiger cat', 'suggested'],
    ]);
    expect(library.findMissingByDevIno('5:77')).toEqual([]);
  });

  it('merges a moved copy found by hash: user decisions move over, the new row keeps its own', () => {
    const model = library.ensureModel('m', 'model.onnx');
    const folder = library.upsertFolder(Buffer.from('/p'), '/p', true);
    const old = library.insertImage(seen('/p/a.jpg'), folder.id, 1);
    library.recordSuccess(
      old.id,
      success(
        model,
        [
          ['tabby', 0.8],
          ['lynx', 0.1],
          ['plain', 0.05],
        ],
        'same',
      ),
    );
    library.setTagState([old.id], 'tabby', 'accepted');
    library.setTagState([old.id], 'lynx', 'rejected');
    library.setTagState([old.id], 'mum', 'accepted');
    library.setTagState([old.id], 'dad', 'accepted');
    markUnseenMissing(2);

    const copy = library.insertImage(seen('/other/a.jpg', { devIno: '9:9' }), null, 2);
    library.recordSuccess(
      copy.id,
      success(
        model,
        [
          ['tabby', 0.7],
          ['lynx', 0.2],
        ],
        'same',
      ),
    );
    library.setTagState([copy.id], 'dad', 'rejected');
    const found = library.findMissingBySha('same');
    expect(found?.id).toBe(old.id);
    library.mergeInto(old.id, copy.id);

    expect(library.getImage(old.id)).toBeUndefined();
    const tags = Object.fromEntries(
      library.tagsForImage(copy.id).map((t) => [t.tag, [t.source, t.state, t.score]]),
    );
    expect(tags).toEqual({
      tabby: ['auto', 'accepted', 0.7],
      lynx: ['auto', 'rejected', 0.2],
      mum: ['user', 'accepted', null],
      dad: ['user', 'rejected', null],
    });
    expect(library.integrityCheck()).toBe('ok');
  });

  it('answers needsClassification per model and lists the work of a run page by page', () => {
    const m1 = library.ensureModel('sha-1', 'one.onnx');
    const m2 = library.ensureModel('sha-2', 'two.onnx');
    const folder = library.upsertFolder(Buffer.from('/p'), '/p', true);
    const ids = library.transaction(() =>
      Array.from(
        { length: 1203 },
        (_, i) => library.insertImage(seen(`/p/${i}.jpg`), i < 1000 ? folder.id : null, 1).id,
      ),
    );
    library.transaction(() => {
      for (const id of ids.slice(0, 700)) library.recordSuccess(id, success(m1, [['tabby', 0.5]]));
    });
    library.recordFailure(at(ids, 800), { code: 'corrupt', message: 'bad' }, 'error');
    library.recordFailure(at(ids, 801), { code: 'internal', message: 'crashed' }, 'crashed');
    expect(library.needsClassification(at(ids, 0), m1)).toBe(false);
    expect(library.needsClassification(at(ids, 0), m2)).toBe(true);
    expect(library.needsClassification(at(ids, 900), m1)).toBe(true);
    expect(library.needsClassification(999_999, m1)).toBe(false);

    // Writing results while iterating is fine: pages are separate queries.
    let seenCount = 0;
    for (const image of library.imagesToClassify(m1)) {
      seenCount += 1;
      library.recordSuccess(image.id, success(m1, [['lynx', 0.4]]));
    }
    expect(seenCount).toBe(1203 - 700 - 2);
    expect([...library.imagesToClassify(m1)]).toEqual([]);
    expect([...library.imagesToClassify(m2, folder.id)]).toHaveLength(1000 - 2);
    expect([...library.imagesToClassify(m2)].map((r) => r.id)).toEqual(
      ids.filter((_, i) => i !== 800 && i !== 801),
    );
  });

  it('removing a folder removes its images, predictions and tags', () => {
    const model = library.ensureModel('m', 'model.onnx');
    const folder = library.upsertFolder(Buffer.from('/p'), '/p', true);
    const image = library.insertImage(seen('/p/a.jpg'), folder.id, 1);
    library.recordSuccess(image.id, success(model, [['tabby', 0.8]]));
    library.setFolderWatched(folder.id, false);
    library.markFolderScanned(folder.id, '2026-02-02T00:00:00.000Z');
    expect(library.listFolders()[0]).toMatchObject({
      watched: false,
      lastScanAt: '2026-02-02T00:00:00.000Z',
    });
    library.removeFolder(folder.id);
    expect(library.getImage(image.id)).toBeUndefined();
    expect(library.statusCounts()).toMatchObject({ folders: 0, images: 0, tagged: 0 });
    expect([...library.exportImages()]).toEqual([]);
    expect(library.integrityCheck()).toBe('ok');
  });
});
