// Integration tests for the library's commit notifications (engine): what each committed write reports, and when.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library, type LibraryCommit } from '../../src-main/engine/library/library.js';
import type { SeenFile, SuccessRecord } from '../../src-main/engine/library/library-types.js';

let dir: string;
let library: Library;
let model: number;
let commits: LibraryCommit[];
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-commits-'));
  library = Library.open(path.join(dir, 'library.db'));
  model = library.ensureModel('sha-model', 'resnet50.onnx');
  commits = [];
  library.onCommit((commit) => commits.push(commit));
});
afterEach(() => {
  library.close();
  rmSync(dir, { recursive: true, force: true });
});

function seen(p: string, over: Partial<SeenFile> = {}): SeenFile {
  return { path: Buffer.from(p), display: p, size: 100, mtimeMs: 1, devIno: '1:1', ...over };
}

function success(labels: string[]): SuccessRecord {
  return {
    modelId: model,
    provider: 'cpu',
    classifiedAt: '2026-01-01T00:00:00.000Z',
    sha256: 'content',
    size: 100,
    format: 'jpeg',
    width: 8,
    height: 8,
    predictions: labels.map((label, index) => ({ index, label, wnid: '', score: 0.9 - index / 10 })),
  };
}

const changed = (...ids: number[]): LibraryCommit => ({ inserted: [], changed: ids, anyImage: false });
const any: LibraryCommit = { inserted: [], changed: [], anyImage: true };

/** A scan's missing-marking of /p, as a run holding the writer lease does it. */
function markUnseenMissing(scan: number): number | null {
  const holder = { token: 'test-run', pid: process.pid, host: 'test', kind: 'tag' as const, heartbeatMs: 0 };
  library.claimLease(holder, () => true);
  const folder = library.listFolders().find((f) => f.display === '/p');
  return library.markUnseenMissingUnder(Buffer.from('/p'), folder ? [folder.id] : [], scan, holder.token);
}

describe('library commit notifications', () => {
  it('reports a write outside a transaction at once', () => {
    const a = library.insertImage(seen('/p/a.jpg'), null, 1).id;
    expect(commits).toEqual([{ inserted: [a], changed: [], anyImage: false }]);
    library.recordSuccess(a, success(['tabby']));
    library.updateSeen(a, seen('/p/a.jpg', { size: 200 }), 2);
    library.setTagState([a], 'tabby', 'accepted');
    library.resetToSuggestion([a], 'tabby');
    library.removeTag([a], 'tabby');
    expect(commits.slice(1)).toEqual([changed(a), changed(a), changed(a), changed(a), changed(a)]);
  });

  it('reports a transaction once, when the outermost level commits; a rollback reports nothing', () => {
    const ids = library.transaction(() => {
      const a = library.insertImage(seen('/p/a.jpg'), null, 1).id;
      const b = library.insertImage(seen('/p/b.jpg', { devIno: '1:2' }), null, 1).id;
      library.transaction(() => library.recordSuccess(a, success(['tabby'])));
      library.recordFailure(b, { code: 'corrupt', message: 'bad' }, 'error');
      expect(commits).toEqual([]);
      return [a, b];
    });
    // An image both inserted and changed in one commit is reported as inserted.
    expect(commits).toEqual([{ inserted: ids, changed: [], anyImage: false }]);
    expect(() =>
      library.transaction(() => {
        library.insertImage(seen('/p/c.jpg', { devIno: '1:3' }), null, 1);
        library.setTagState(ids, 'beach', 'accepted');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(commits).toHaveLength(1);
    library.transaction(() => library.setTagState(ids, 'beach', 'accepted'));
    expect(commits.at(-1)).toEqual(changed(...ids));
  });

  it('reports bulk changes as "any image", and writes that change nothing not at all', () => {
    const folder = library.upsertFolder(Buffer.from('/p'), '/p', true);
    const a = library.insertImage(seen('/p/a.jpg'), folder.id, 1).id;
    const b = library.insertImage(seen('/p/b.jpg', { devIno: '1:2' }), folder.id, 1).id;
    commits = [];
    expect(markUnseenMissing(1)).toBe(0);
    library.touchSeen([a], 2);
    library.setTagState([424_242], 'beach', 'accepted');
    library.removeTag([a], 'never-there');
    expect(library.markMissingPath(Buffer.from('/p/none.jpg'))).toBe(false);
    library.incrementCrashCount(a);
    library.createJob('tag', null);
    expect(commits).toEqual([]);
    expect(markUnseenMissing(2)).toBe(1);
    expect(library.markMissingPath(Buffer.from('/p/a.jpg'))).toBe(true);
    library.mergeInto(b, a);
    library.removeFolder(folder.id);
    expect(commits).toEqual([any, any, any, any]);
  });

  it('reports a missing image that a scan sees again', () => {
    const a = library.insertImage(seen('/p/a.jpg'), null, 1).id;
    const b = library.insertImage(seen('/p/b.jpg', { devIno: '1:2' }), null, 1).id;
    library.recordSuccess(a, success(['tabby']));
    library.markMissingPath(Buffer.from('/p/a.jpg'));
    commits = [];
    library.touchSeen([a, b], 2);
    expect(commits).toEqual([changed(a)]);
    expect(library.getImage(a)).toMatchObject({ status: 'ok', lastSeenScan: 2 });
    expect(library.getImage(b)).toMatchObject({ status: 'pending', lastSeenScan: 2 });
  });

  it('reports keywords imported as tags and photos rewritten with keywords, and stops when unsubscribed', () => {
    const a = library.insertImage(seen('/p/a.jpg'), null, 1).id;
    commits = [];
    library.importKeywordsAsUserTags(a, ['Holiday']);
    library.recordXmpWritten(a, 'sidecar', [{ keyword: 'tabby', hierarchical: false }]);
    const file = { size: 300, mtimeMs: 2, devIno: '1:1', sha256: 'rewritten' };
    library.recordXmpWritten(a, 'embedded', [{ keyword: 'tabby', hierarchical: false }], file);
    // A sidecar changes nothing the library shows about the photo; the rewritten photo's size does.
    expect(commits).toEqual([changed(a), changed(a)]);
    const other: LibraryCommit[] = [];
    const off = library.onCommit((commit) => other.push(commit));
    library.setTagState([a], 'Holiday', 'rejected');
    off();
    library.setTagState([a], 'Holiday', 'accepted');
    expect(other).toEqual([changed(a)]);
    expect(commits).toHaveLength(4);
  });
});
