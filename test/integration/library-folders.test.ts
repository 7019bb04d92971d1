// Library folders that never overlap (test): recordFolder covers a path inside a folder, takes in folders inside a new one, keeps a watched part of an unwatched folder.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';

let dir: string;
let library: Library;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-folders-'));
  library = Library.open(path.join(dir, 'library.db'));
});

afterEach(() => {
  library.close();
  rmSync(dir, { recursive: true, force: true });
});

const record = (p: string, watched: boolean) => library.recordFolder(Buffer.from(p), p, watched);
const folders = () => library.listFolders().map((f) => `${f.display}${f.watched ? ' (watched)' : ''}`);
const photo = (p: string, folderId: number | null) =>
  library.insertImage(
    { path: Buffer.from(p), display: p, size: 1, mtimeMs: 1, devIno: `1:${p}` },
    folderId,
    1,
  );

describe('recordFolder', () => {
  it('covers a folder inside one already there instead of adding it', () => {
    const d = record('/d', true);
    const sub = record('/d/sub', true);
    expect(sub.coveredBy?.id).toBe(d.folder.id);
    expect(sub.folder.id).toBe(d.folder.id);
    expect(record('/d/sub/deeper', false).coveredBy?.id).toBe(d.folder.id);
    expect(folders()).toEqual(['/d (watched)']);
    // Not fooled by a shared prefix that is not a folder boundary.
    expect(record('/d2', false).coveredBy).toBeNull();
  });

  it('takes in the folders inside a new folder, with their photos', () => {
    const sub = record('/d/sub', false).folder;
    const other = record('/d/other', true).folder;
    const inSub = photo('/d/sub/a.jpg', sub.id);
    const loose = photo('/d/b.jpg', null);
    const d = record('/d', true);
    expect(d.absorbed.map((f) => f.display).sort()).toEqual(['/d/other', '/d/sub']);
    expect(folders()).toEqual(['/d (watched)']);
    expect(library.getImage(inSub.id)?.folderId).toBe(d.folder.id);
    expect(library.getImage(loose.id)?.folderId).toBe(d.folder.id);
    expect(other.id).not.toBe(d.folder.id);
  });

  it('keeps a watched folder inside an unwatched one, until the outer one is watched', () => {
    const d = record('/d', false).folder;
    const before = photo('/d/new/x.jpg', d.id);
    const watched = record('/d/new', true);
    expect(watched.coveredBy).toBeNull();
    expect(folders()).toEqual(['/d', '/d/new (watched)']);
    // Its photos moved to it from the folder around it.
    expect(library.getImage(before.id)?.folderId).toBe(watched.folder.id);
    const absorbed = library.setFolderWatched(d.id, true);
    expect(absorbed.map((f) => f.display)).toEqual(['/d/new']);
    expect(folders()).toEqual(['/d (watched)']);
    expect(library.getImage(before.id)?.folderId).toBe(d.id);
  });

  it('keeps the watch flag of a folder recorded again by a run that does not watch', () => {
    record('/d', true);
    expect(record('/d', false).folder.watched).toBe(true);
  });
});
