// Unit tests for the SQLite layer (engine): parameter checks, BLOB round trips, nested transactions, end-of-transaction hook.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlDb } from '../../src-main/engine/library/sql-db.js';

let dir: string;
let db: SqlDb;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-sqldb-'));
  db = SqlDb.open(path.join(dir, 'nested', 'folders', 't.db'));
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB, x)');
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = () => db.get<{ n: number }>('SELECT count(*) AS n FROM t')?.n;

describe('SqlDb', () => {
  it('creates missing folders and binds a lone Buffer parameter (which crashes libsql if passed bare)', () => {
    const bytes = Buffer.from([0x2f, 0xff, 0x00, 0xc3]);
    db.run('INSERT INTO t (b) VALUES (:b)', { b: bytes });
    const viaGet = db.get<{ b: unknown }>('SELECT b FROM t WHERE b = :b', { b: bytes });
    const viaAll = db.all<{ b: unknown }>('SELECT b FROM t');
    expect(Buffer.from(viaGet?.b as Buffer).equals(bytes)).toBe(true);
    expect(Buffer.from(viaAll[0]?.b as ArrayBuffer).equals(bytes)).toBe(true);
  });

  it('refuses missing, undefined, extra and positional parameters instead of binding NULL', () => {
    expect(() => db.run('INSERT INTO t (x) VALUES (:x)', {})).toThrow(/missing SQL parameter :x/);
    expect(() => db.run('INSERT INTO t (x) VALUES (:x)', { x: undefined as unknown as null })).toThrow(
      /missing/,
    );
    expect(() => db.run('INSERT INTO t (x) VALUES (:x)', { x: 1, y: 2 })).toThrow(/unknown SQL parameter/);
    expect(() => db.run('INSERT INTO t (x) VALUES (?)', {})).toThrow(/named parameters/);
    expect(db.run("INSERT INTO t (x) VALUES (':not_a_param')")).toBe(1);
  });

  it('commits, rolls back on a throw, and turns nested calls into savepoints', () => {
    db.transaction(() => db.run('INSERT INTO t (x) VALUES (1)'));
    expect(() =>
      db.transaction(() => {
        db.run('INSERT INTO t (x) VALUES (2)');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(count()).toBe(1);
    db.transaction(() => {
      db.run('INSERT INTO t (x) VALUES (3)');
      expect(() =>
        db.transaction(() => {
          db.run('INSERT INTO t (x) VALUES (4)');
          throw new Error('inner');
        }),
      ).toThrow('inner');
      db.transaction(() => db.run('INSERT INTO t (x) VALUES (5)'));
    });
    expect(db.all<{ x: number }>('SELECT x FROM t ORDER BY id').map((r) => r.x)).toEqual([1, 3, 5]);
  });

  it('reports the end of each outermost transaction, committed or not, once it is over', () => {
    const ends: [boolean, boolean][] = [];
    db.onTransactionEnd((committed) => ends.push([committed, db.inTransaction]));
    db.run('INSERT INTO t (x) VALUES (1)');
    db.transaction(() => {
      db.transaction(() => db.run('INSERT INTO t (x) VALUES (2)'));
      expect(() =>
        db.transaction(() => {
          throw new Error('inner');
        }),
      ).toThrow('inner');
      expect(ends).toHaveLength(1);
    });
    expect(() =>
      db.transaction(() => {
        db.run('INSERT INTO t (x) VALUES (3)');
        throw new Error('outer');
      }),
    ).toThrow('outer');
    expect(ends).toEqual([
      [true, false],
      [true, false],
      [false, false],
    ]);
    expect(count()).toBe(2);
  });

  it('refuses an async callback and rolls its synchronous part back', () => {
    expect(() =>
      db.transaction(() => {
        db.run('INSERT INTO t (x) VALUES (1)');
        return Promise.resolve();
      }),
    ).toThrow(/synchronous/);
    expect(count()).toBe(0);
  });
});
