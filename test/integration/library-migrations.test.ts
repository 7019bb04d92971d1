// Integration tests for the library file's schema (engine): fresh files, upgrades from v1, newer files refused.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library, LibraryTooNewError } from '../../src-main/engine/library/library.js';
import {
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  openAtVersion,
} from '../../src-main/engine/library/migrations.js';
import { SqlDb } from '../../src-main/engine/library/sql-db.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-migrate-'));
  file = path.join(dir, 'deep', 'library.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function schemaObjects(db: SqlDb): string[] {
  return db
    .all<{ name: string }>(`SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name`)
    .map((r) => r.name);
}

describe('library schema', () => {
  it('has versions 1, 2, … in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(7);
  });

  it('creates a fresh file (and its folders) at the latest version, WAL, synchronous NORMAL, foreign keys on', () => {
    const library = Library.open(file);
    try {
      expect(library.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
      expect(library.integrityCheck()).toBe('ok');
      expect(library.settings()).toEqual({
        journalMode: 'wal',
        synchronous: 1,
        foreignKeys: true,
        busyTimeoutMs: 5000,
      });
    } finally {
      library.close();
    }
    const raw = SqlDb.open(file);
    try {
      expect(schemaObjects(raw)).toEqual(
        expect.arrayContaining([
          'folders',
          'images',
          'models',
          'classifications',
          'predictions',
          'tags',
          'jobs',
          'tags_by_tag',
          'writer_lease',
        ]),
      );
    } finally {
      raw.close();
    }
  });

  it('upgrades a version-1 file in place and keeps its rows', () => {
    const v1 = openAtVersion(file, 1);
    try {
      expect(Number(v1.pragma('user_version'))).toBe(1);
      expect(schemaObjects(v1)).not.toContain('jobs');
      expect(schemaObjects(v1)).not.toContain('tags_by_tag');
      // Rows in the v1 shape: no crash_count column yet.
      v1.exec(`
        INSERT INTO folders (id, path, display, added_at) VALUES (1, x'2f70', '/p', '2024-01-01T00:00:00.000Z');
        INSERT INTO images (id, folder_id, path, display, size, mtime_ms, dev_ino, sha256, status, first_seen_at, updated_at)
          VALUES (7, 1, x'2f702f61ff2e6a7067', '/p/a\uFFFD.jpg', 10, 1.5, '1:18446744073709551615', 'abc', 'ok',
                  '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z');
        INSERT INTO models (id, sha256, name) VALUES (3, 'model-sha', 'resnet50-v2-7.onnx');
        INSERT INTO classifications VALUES (7, 3, 'cpu', '2024-01-01T00:00:00.000Z');
        INSERT INTO predictions VALUES (7, 3, 1, 281, 'n02123045', 'tabby', 0.9);
        INSERT INTO tags VALUES (7, 'tabby', 'auto', 'accepted', 0.9, '2024-01-01T00:00:00.000Z');
      `);
    } finally {
      v1.close();
    }

    const library = Library.open(file);
    try {
      expect(library.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
      expect(library.integrityCheck()).toBe('ok');
      const image = library.getImage(7);
      expect(image).toMatchObject({
        status: 'ok',
        crashCount: 0,
        devIno: '1:18446744073709551615',
        folderId: 1,
      });
      expect(image?.path.equals(Buffer.from('2f702f61ff2e6a7067', 'hex'))).toBe(true);
      expect(library.tagsForImage(7)).toEqual([
        { tag: 'tabby', source: 'auto', state: 'accepted', score: 0.9 },
      ]);
      const [exported] = [...library.exportImages({})];
      expect(exported?.predictions).toEqual([{ index: 281, label: 'tabby', wnid: 'n02123045', score: 0.9 }]);
      expect(exported?.modelName).toBe('resnet50-v2-7.onnx');
      // The v2 additions work.
      expect(library.incrementCrashCount(7)).toBe(1);
      expect(library.createJob('tag', { inputs: ['/p'] })).toBeGreaterThan(0);
      expect(library.imagesWithTag('tabby', { limit: 10 }).hits).toEqual([
        { imageId: 7, score: 0.9, state: 'accepted' },
      ]);
    } finally {
      library.close();
    }
    // Reopening an up-to-date file changes nothing.
    const again = Library.open(file);
    expect(again.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    again.close();
  });

  it('upgrades a version-5 file: photos classified before have no date taken until classified again', () => {
    const v5 = openAtVersion(file, 5);
    try {
      v5.exec(`
        INSERT INTO images (id, path, display, status, first_seen_at, updated_at)
          VALUES (5, x'2f612e6a7067', '/a.jpg', 'ok', '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z');
      `);
    } finally {
      v5.close();
    }
    const library = Library.open(file);
    try {
      expect(library.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
      expect(library.imageDetail(5)?.takenAt).toBeNull();
      const model = library.ensureModel('sha', 'm.onnx');
      library.recordSuccess(5, {
        modelId: model,
        provider: 'cpu',
        classifiedAt: '2024-01-02T00:00:00.000Z',
        sha256: 'abc',
        size: 1,
        format: 'jpeg',
        width: 1,
        height: 1,
        takenAt: '2010-06-06T12:27:25',
        predictions: [],
      });
      expect(library.imageDetail(5)?.takenAt).toBe('2010-06-06T12:27:25');
    } finally {
      library.close();
    }
  });

  it('fails clearly on a file that is not a database', () => {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'these are not the bytes you are looking for'.repeat(100));
    expect(() => Library.open(file)).toThrow(/not a database/);
  });

  it('refuses a file from a newer Skiptag and leaves it untouched', () => {
    const raw = openAtVersion(file, LATEST_SCHEMA_VERSION);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => Library.open(file)).toThrow(LibraryTooNewError);
    expect(() => Library.open(file)).toThrow(
      /schema version 8, but this Skiptag only knows versions up to 7/,
    );
    const check = SqlDb.open(file);
    expect(Number(check.pragma('user_version'))).toBe(LATEST_SCHEMA_VERSION + 1);
    check.close();
  });
});
