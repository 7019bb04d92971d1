// Unit tests for byte-wise folder ranges (engine): component boundaries, roots, Windows separators, non-UTF-8.
import Database from 'libsql';
import { afterAll, describe, expect, it } from 'vitest';
import { folderRanges } from '../../src-main/engine/library/path-prefix.js';

const db = new Database(':memory:');
db.exec('CREATE TABLE p (path BLOB PRIMARY KEY)');
afterAll(() => db.close());

function matching(paths: Buffer[], folder: Buffer, separators: number[]): string[] {
  db.exec('DELETE FROM p');
  const insert = db.prepare('INSERT INTO p VALUES (:path)');
  for (const path of paths) insert.run({ path });
  const select = db.prepare('SELECT path FROM p WHERE path >= :lo AND path < :hi ORDER BY path');
  // Read range after range, as the export does: the result must come out in path order.
  return folderRanges(folder, separators).flatMap(({ lo, hi }) =>
    select.all({ lo, hi }).map((row) => Buffer.from((row as { path: ArrayBuffer }).path).toString('latin1')),
  );
}

const b = (s: string) => Buffer.from(s, 'latin1');

describe('folderRanges', () => {
  const paths = [
    '/photos',
    '/photos/a.jpg',
    '/photos/sub/b.jpg',
    '/photos2/c.jpg',
    '/photos.old/d.jpg',
    '/photo',
    '/x/e.jpg',
  ].map(b);

  it('matches the folder and everything under it, never a sibling sharing the prefix', () => {
    expect(matching(paths, b('/photos'), [0x2f])).toEqual(['/photos', '/photos/a.jpg', '/photos/sub/b.jpg']);
  });

  it('ignores trailing separators and treats "/" as every absolute path', () => {
    expect(matching(paths, b('/photos//'), [0x2f])).toEqual([
      '/photos',
      '/photos/a.jpg',
      '/photos/sub/b.jpg',
    ]);
    expect(matching(paths, b('/'), [0x2f])).toEqual(paths.map((p) => p.toString('latin1')).sort());
  });

  it('compares raw bytes, including invalid UTF-8 and bytes above 0x7f', () => {
    const odd = [b('/f\xff/a.jpg'), b('/f\xff\xfe/b.jpg'), b('/f\xfe/c.jpg')];
    expect(matching(odd, b('/f\xff'), [0x2f])).toEqual(['/f\xff/a.jpg']);
  });

  it('accepts both slashes on Windows, and "\\" is a name byte elsewhere', () => {
    const win = [b('C:\\P\\a.jpg'), b('C:\\P/b.jpg'), b('C:\\P2\\c.jpg'), b('C:\\Q\\d.jpg')];
    expect(matching(win, b('C:\\P'), [0x5c, 0x2f])).toEqual(['C:\\P/b.jpg', 'C:\\P\\a.jpg']);
    expect(matching(win, b('C:\\'), [0x5c, 0x2f])).toEqual([
      'C:\\P/b.jpg',
      'C:\\P2\\c.jpg',
      'C:\\P\\a.jpg',
      'C:\\Q\\d.jpg',
    ]);
    expect(matching([b('/a\\b.jpg'), b('/a/b.jpg')], b('/a'), [0x2f])).toEqual(['/a/b.jpg']);
  });
});
