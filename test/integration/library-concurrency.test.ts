// Integration tests for two connections to one library file (engine): readers never wait, writers wait their turn.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const children: ChildProcess[] = [];

/** A Node child running `source` (an ES module) in the repository, with what it printed so far. */
function node(source: string, args: string[]) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source, ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  let text = '';
  const waiting: { line: string; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    for (const w of waiting.splice(0)) {
      if (text.split('\n').includes(w.line)) w.resolve();
      else waiting.push(w);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return {
    child,
    exited,
    output: () => text,
    /** Resolves once the child printed `line`; rejects if it exits first. */
    said: (line: string) =>
      new Promise<void>((resolve, reject) => {
        if (text.split('\n').includes(line)) return resolve();
        waiting.push({ line, resolve });
        void exited.then((code) => reject(new Error(`exited (${code}) before saying ${line}: ${text}`)));
      }),
  };
}
let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-concurrency-'));
  file = path.join(dir, 'library.db');
});
afterEach(() => {
  // A failed test must not leave the lock holder waiting for its 'commit' forever.
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  rmSync(dir, { recursive: true, force: true });
});

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
    // A second process holds the write lock, as `skiptag watch` does during a batch, until told to commit.
    const holder = node(
      `import Database from 'libsql';
       import { createInterface } from 'node:readline';
       const db = new Database(process.argv[1]);
       db.exec('BEGIN IMMEDIATE');
       db.exec("INSERT INTO jobs (kind, state, params, created_at, updated_at) VALUES ('other', 'done', 'null', 'x', 'x')");
       process.stdout.write('locked\\n');
       for await (const line of createInterface({ input: process.stdin })) if (line === 'commit') break;
       db.exec('COMMIT');
       db.close();`,
      [file],
    );
    await holder.said('locked');
    // The lock stays held until the test says so: a reader that waited for it would fail with SQLITE_BUSY
    // after the busy timeout instead of answering.
    const library = Library.open(file);
    try {
      expect(library.statusCounts().folders).toBe(0);
      expect(library.unfinishedJobs()).toEqual([]);
      // A writer in a third process (Library's synchronous calls would block this one) starts while the
      // lock is held: it must wait for the commit, neither finishing nor failing before it.
      const writer = node(
        `const { Library } = await import(process.argv[2]);
         const library = Library.open(process.argv[1]);
         process.stdout.write('writing\\n');
         library.createJob('mine', {});
         process.stdout.write('written\\n');
         library.close();`,
        [file, pathToFileURL(path.join(root, 'out', 'src-main', 'engine', 'library', 'library.js')).href],
      );
      await writer.said('writing');
      // A window for a wrong writer to go ahead or fail (not a measurement: a right one does neither, at any
      // speed), well inside the busy timeout.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(writer.output()).toBe('writing\n');
      expect(writer.child.exitCode).toBeNull();
      holder.child.stdin?.end('commit\n');
      expect(await holder.exited).toBe(0);
      expect(await writer.exited).toBe(0);
      expect(writer.output()).toBe('writing\nwritten\n');
      expect(library.unfinishedJobs().map((j) => j.kind)).toEqual(['mine']);
    } finally {
      library.close();
    }
  });
});
