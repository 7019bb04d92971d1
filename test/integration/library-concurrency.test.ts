// Integration tests for two connections to one library file (engine): readers never wait, writers wait their turn.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-concurrency-'));
  file = path.join(dir, 'library.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('two connections', () => {
  it('a second Library reads while the first holds a write transaction, and writes after it commits', () => {
    const first = Library.open(file);
    const second = Library.open(file);
    try {
      first.upsertFolder(Buffer.from('/before'), '/before', true);
      first.transaction(() => {
        first.upsertFolder(Buffer.from('/during'), '/during', true);
        // WAL: the reader is not blocked and sees the last committed state.
        expect(second.listFolders().map((f) => f.display)).toEqual(['/before']);
        expect(second.statusCounts().folders).toBe(1);
      });
      expect(second.listFolders().map((f) => f.display)).toEqual(['/before', '/during']);
      second.upsertFolder(Buffer.from('/after'), '/after', false);
      expect(first.listFolders()).toHaveLength(3);
      expect(first.integrityCheck()).toBe('ok');
    } finally {
      second.close();
      first.close();
    }
  });

  it('a write waits (busy timeout) for another process to commit instead of failing', async () => {
    Library.open(file).close();
    // A second process holds the write lock for a while, as `skiptag watch` does during a batch.
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import Database from 'libsql';
         const db = new Database(process.argv[1]);
         db.exec('BEGIN IMMEDIATE');
         db.exec("INSERT INTO jobs (kind, state, params, created_at, updated_at) VALUES ('other', 'done', 'null', 'x', 'x')");
         process.stdout.write('locked\\n');
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 700);
         db.exec('COMMIT');
         db.close();`,
        file,
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => holder.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      holder.stdout.once('data', () => resolve());
      holder.once('error', reject);
    });
    const library = Library.open(file);
    try {
      const started = performance.now();
      expect(library.statusCounts().folders).toBe(0);
      expect(performance.now() - started).toBeLessThan(300);
      library.createJob('mine', {});
      expect(performance.now() - started).toBeGreaterThan(300);
      expect(library.unfinishedJobs().map((j) => j.kind)).toEqual(['mine']);
    } finally {
      library.close();
    }
    expect(await exited).toBe(0);
  });
});
