// Integration tests for schema version 3 (engine): a v2 library upgrades in place, keeps its rows, tracks written keywords.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import { LATEST_SCHEMA_VERSION, openAtVersion } from '../../src-main/engine/library/migrations.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-xmp-migrate-'));
  file = path.join(dir, 'library.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('schema version 3', () => {
  it('upgrades a version-2 file in place, keeping its rows', () => {
    const v2 = openAtVersion(file, 2);
    try {
      expect(Number(v2.pragma('user_version'))).toBe(2);
      v2.exec(`
        INSERT INTO images (id, path, display, size, mtime_ms, dev_ino, sha256, format, status, crash_count,
                            first_seen_at, updated_at)
          VALUES (7, x'2f702f612e6a7067', '/p/a.jpg', 10, 1.5, '1:2', 'abc', 'jpeg', 'ok', 1,
                  '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z');
        INSERT INTO models (id, sha256, name) VALUES (3, 'model-sha', 'resnet50-v2-7.onnx');
        INSERT INTO classifications VALUES (7, 3, 'cpu', '2024-01-01T00:00:00.000Z');
        INSERT INTO predictions VALUES (7, 3, 1, 281, 'n02123045', 'tabby', 0.9);
        INSERT INTO tags VALUES (7, 'tabby', 'auto', 'rejected', 0.9, '2024-01-01T00:00:00.000Z');
        INSERT INTO jobs (kind, state, params, created_at, updated_at)
          VALUES ('tag', 'done', '{}', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z');
      `);
      expect(v2.all(`SELECT name FROM sqlite_master WHERE name = 'xmp_written'`)).toEqual([]);
    } finally {
      v2.close();
    }

    const library = Library.open(file, { now: () => '2026-01-01T00:00:00.000Z' });
    try {
      expect(library.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
      expect(LATEST_SCHEMA_VERSION).toBeGreaterThanOrEqual(3);
      expect(library.integrityCheck()).toBe('ok');
      expect(library.getImage(7)).toMatchObject({ status: 'ok', crashCount: 1, sha256: 'abc' });
      expect(library.tagsForImage(7)).toEqual([
        { tag: 'tabby', source: 'auto', state: 'rejected', score: 0.9 },
      ]);
      expect(library.getJob(1)).toMatchObject({ kind: 'tag', state: 'done' });
      expect(library.predictionWnids(7)).toEqual(new Map([['tabby', 'n02123045']]));
      // The new table works.
      expect(library.xmpWritten(7)).toEqual([]);
      library.recordXmpWritten(7, 'sidecar', [
        { keyword: 'tabby', hierarchical: false },
        { keyword: 'Skiptag|tabby', hierarchical: true },
      ]);
      expect(library.xmpWritten(7, 'sidecar')).toEqual([
        { keyword: 'Skiptag|tabby', hierarchical: true },
        { keyword: 'tabby', hierarchical: false },
      ]);
      expect(library.xmpWritten(7, 'embedded')).toEqual([]);
    } finally {
      library.close();
    }
    const again = Library.open(file);
    expect(again.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(again.xmpWritten(7)).toHaveLength(2);
    again.close();
  });

  it('replaces the written set per target, records a rewritten photo, and forgets it with the image', () => {
    const library = Library.open(file);
    try {
      const seen = { path: Buffer.from('/p/b.jpg'), display: '/p/b.jpg', size: 5, mtimeMs: 1, devIno: '1:1' };
      const id = library.insertImage(seen, null, 1).id;
      library.recordXmpWritten(id, 'embedded', [{ keyword: 'a', hierarchical: false }]);
      library.recordXmpWritten(id, 'sidecar', [{ keyword: 'a', hierarchical: false }]);
      library.recordXmpWritten(id, 'embedded', [{ keyword: 'b', hierarchical: false }], {
        size: 9,
        mtimeMs: 1,
        devIno: '1:9',
        sha256: 'new',
      });
      expect(library.xmpWritten(id, 'embedded')).toEqual([{ keyword: 'b', hierarchical: false }]);
      expect(library.xmpWritten(id, 'sidecar')).toEqual([{ keyword: 'a', hierarchical: false }]);
      expect(library.getImage(id)).toMatchObject({
        size: 9,
        devIno: '1:9',
        sha256: 'new',
        status: 'pending',
      });
      library.mergeInto(id, library.insertImage({ ...seen, path: Buffer.from('/p/c.jpg') }, null, 1).id);
      expect(library.xmpWritten(id)).toEqual([]);
      expect(library.integrityCheck()).toBe('ok');
    } finally {
      library.close();
    }
  });
});
