// Two writers on one library (test): the writer lease between real processes — CLI runs, a lease held by another process, the app's service.
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { writeColourModel } from '../support/colour-photos.js';
import { holdLease } from '../support/lease-holder.js';
import { runCli, startCli, type CliRun } from '../support/run-cli.js';
import { call } from '../support/service-calls.js';

type Row = Record<string, string>;
const readCsv = async (file: string) =>
  parse(await readFile(file, 'utf8'), { columns: true, bom: true }) as Row[];

let work: string;
let model: string;
/** 112 distinct photos, each twice under two names: 224 files, 112 contents. */
let pairs: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-writers-'));
  model = await writeColourModel(path.join(work, 'model'));
  pairs = path.join(work, 'pairs');
  await mkdir(pairs, { recursive: true });
  for (let i = 0; i < 112; i++) {
    const file = path.join(pairs, `p${String(i).padStart(3, '0')}-a.jpg`);
    const background = { r: (i * 37) % 256, g: (i * 91) % 256, b: (i * 53) % 256 };
    await sharp({ create: { width: 48 + (i % 5), height: 40, channels: 3, background } })
      .jpeg()
      .toFile(file);
    await copyFile(file, file.replace('-a.jpg', '-b.jpg'));
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function until(text: () => string, pattern: RegExp, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pattern.test(text())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got: ${text()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function scratch(name: string): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function untilAsync(what: string, probe: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function libraryState(file: string): { ok: number; missing: number; images: number } {
  const library = Library.open(file);
  try {
    const counts = library.statusCounts();
    return { ok: counts.byStatus.ok ?? 0, missing: counts.byStatus.missing ?? 0, images: counts.images };
  } finally {
    library.close();
  }
}

const tagArgs = (library: string, csv: string, ...extra: string[]) => [
  'tag',
  pairs,
  '--model',
  model,
  '--library',
  library,
  '--csv',
  csv,
  '-q',
  ...extra,
];

describe('two tag runs on one library', () => {
  it('with --wait, both finish with every photo in their CSV and none marked missing (224 files, 112 pairs of copies)', async () => {
    const library = path.join(await scratch('both-wait'), 'library.db');
    const [a, b] = [path.join(work, 'both-wait', 'a.csv'), path.join(work, 'both-wait', 'b.csv')];
    const first = startCli(tagArgs(library, a, '--wait'));
    await new Promise((r) => setTimeout(r, 500));
    const second = startCli(tagArgs(library, b, '--wait'));
    const [ra, rb] = await Promise.all([first.done, second.done]);
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    for (const csv of [a, b]) {
      const rows = await readCsv(csv);
      expect(rows).toHaveLength(224);
      expect(new Set(rows.map((r) => r.path)).size).toBe(224);
      expect(rows.every((r) => r.status === 'ok' && r.label !== '')).toBe(true);
    }
    expect(libraryState(library)).toEqual({ ok: 224, missing: 0, images: 224 });
  });

  it('without --wait, a run that meets another one refuses (exit 3, naming it) and nothing is lost', async () => {
    const library = path.join(await scratch('both-nowait'), 'library.db');
    const [a, b] = [path.join(work, 'both-nowait', 'a.csv'), path.join(work, 'both-nowait', 'b.csv')];
    const first = startCli(tagArgs(library, a));
    await new Promise((r) => setTimeout(r, 500));
    const second = startCli(tagArgs(library, b));
    const runs: [CliRun, string][] = [
      [await first.done, a],
      [await second.done, b],
    ];
    for (const [run, csv] of runs) {
      if (run.code === 0) {
        expect(await readCsv(csv)).toHaveLength(224);
      } else {
        // The two overlapped: the later one was refused before doing anything.
        expect(run.code, run.stderr).toBe(3);
        expect(run.stderr).toMatch(/library busy: tag \(pid \d+\) is using it; --wait to queue/);
        await expect(stat(csv)).rejects.toThrow();
      }
    }
    expect(runs.some(([run]) => run.code === 0)).toBe(true);
    expect(libraryState(library)).toEqual({ ok: 224, missing: 0, images: 224 });
  });
});

describe('a library held by another process', () => {
  it('refuses a second writer with the holder named, lets readers read, and queues it with --wait', async () => {
    const library = path.join(await scratch('held'), 'library.db');
    const csv = path.join(work, 'held', 'out.csv');
    // A first run, so there is something for the readers to read.
    expect((await runCli(tagArgs(library, csv))).code).toBe(0);
    const held = await holdLease(library, 'watch');
    try {
      const refused = await runCli(tagArgs(library, path.join(work, 'held', 'refused.csv')));
      expect(refused.code, refused.stderr).toBe(3);
      expect(refused.stderr).toContain(`library busy: watch (pid ${held.pid}) is using it; --wait to queue`);
      await expect(stat(path.join(work, 'held', 'refused.csv'))).rejects.toThrow();

      // Readers do not take the lease.
      const status = await runCli(['status', '--library', library, '--json']);
      expect(status.code, status.stderr).toBe(0);
      expect((JSON.parse(status.stdout) as { images: number }).images).toBe(224);
      const exported = path.join(work, 'held', 'export.csv');
      const exportRun = await runCli(['export', '--library', library, '--csv', exported]);
      expect(exportRun.code, exportRun.stderr).toBe(0);
      expect(await readCsv(exported)).toHaveLength(224);

      const waiting = startCli(tagArgs(library, path.join(work, 'held', 'waited.csv'), '--wait'));
      let stderr = '';
      waiting.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      await until(
        () => stderr,
        /waiting: library busy: watch \(pid \d+\) is using it/,
        'the waiting message',
      );
      await held.release();
      const run = await waiting.done;
      expect(run.code, run.stderr).toBe(0);
      expect(await readCsv(path.join(work, 'held', 'waited.csv'))).toHaveLength(224);
    } finally {
      await held.release();
    }
  });

  it('takes over the lease of a process that was killed (a dead pid holds nothing)', async () => {
    const library = path.join(await scratch('killed'), 'library.db');
    const held = await holdLease(library, 'tag');
    held.child.kill('SIGKILL');
    await held.release();
    const run = await runCli(tagArgs(library, path.join(work, 'killed', 'out.csv')));
    expect(run.code, run.stderr).toBe(0);
    expect(await readCsv(path.join(work, 'killed', 'out.csv'))).toHaveLength(224);
  });

  it('never marks photos missing for a run that lost the lease', async () => {
    const file = path.join(await scratch('lost'), 'library.db');
    const library = Library.open(file);
    try {
      const folder = library.recordFolder(Buffer.from('/photos'), '/photos', false).folder;
      const seen = (name: string) => ({
        path: Buffer.from(`/photos/${name}`),
        display: `/photos/${name}`,
        size: 1,
        mtimeMs: 1,
        devIno: `1:${name}`,
      });
      const host = os.hostname();
      expect(
        library.claimLease({ token: 'A', pid: process.pid, host, kind: 'tag', heartbeatMs: 1 }, () => false),
      ).toEqual({
        ok: true,
      });
      library.insertImage(seen('one.jpg'), folder.id, 1);
      // Run B judged A gone and took over; B's scan saw a photo A's scan (number 2) did not.
      expect(
        library.claimLease({ token: 'B', pid: process.pid, host, kind: 'tag', heartbeatMs: 2 }, () => true),
      ).toEqual({
        ok: true,
      });
      library.insertImage(seen('two.jpg'), folder.id, 3);
      expect(library.markUnseenMissingUnder(Buffer.from('/photos'), [folder.id], 2, 'A')).toBeNull();
      expect(library.statusCounts().byStatus.missing ?? 0).toBe(0);
      expect(library.markUnseenMissingUnder(Buffer.from('/photos'), [folder.id], 3, 'B')).toBe(1);
    } finally {
      library.close();
    }
  });
});

describe('the desktop app and the CLI on one library', () => {
  const urls = { thumb: (id: number) => `/thumb/${id}`, preview: (id: number) => `/preview/${id}` };
  const openService = (dir: string) =>
    new AppService({
      libraryFile: path.join(dir, 'library.db'),
      dataDir: dir,
      modelPath: model,
      models: { dir: path.join(dir, 'models'), catalogFile: null, mirror: null },
      workerOptions: { threads: 1, batchSize: 4 },
      urls,
      watcher: { stabilityMs: 300, pollIntervalMs: 50 },
      prewarmThumbnails: false,
      onLog: () => undefined,
    });

  it('a CLI run waits for (or refuses) a running app job; the app job waits for a CLI holder and says for whom', async () => {
    const dir = path.join(work, 'app');
    const library = path.join(dir, 'library.db');
    const service = openService(dir);
    const jobs = () => call(service, 'jobs:list', {});
    try {
      // The app starts tagging and is paused mid-run: it still holds the library.
      await call(service, 'library:addFolders', { paths: [pairs] });
      const job = (await jobs()).find((j) => j.kind === 'tag');
      expect(job).toBeDefined();
      const jobId = job?.id ?? -1;
      await call(service, 'jobs:pause', { jobId });
      const reader = Library.open(library);
      try {
        await untilAsync('the app to hold the lease', async () => reader.leaseHolder()?.kind === 'app');
      } finally {
        reader.close();
      }
      const refused = await runCli(tagArgs(library, path.join(dir, 'refused.csv')));
      expect(refused.code, refused.stderr).toBe(3);
      expect(refused.stderr).toContain(`library busy: the Skiptag app (pid ${process.pid}) is using it`);

      const waiting = startCli(tagArgs(library, path.join(dir, 'cli.csv'), '--wait'));
      let stderr = '';
      waiting.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      await until(() => stderr, /waiting: library busy: the Skiptag app/, 'the CLI to wait for the app');
      await call(service, 'jobs:resume', { jobId });
      const run = await waiting.done;
      expect(run.code, run.stderr).toBe(0);
      expect(await readCsv(path.join(dir, 'cli.csv'))).toHaveLength(224);
      await untilAsync('the app job to finish', async () =>
        (await jobs()).every((j) => j.state === 'done' || j.state === 'cancelled' || j.state === 'failed'),
      );
      expect((await jobs()).find((j) => j.id === jobId)?.state).toBe('done');

      // Now another process holds the library: the app's next job waits and shows for whom.
      const held = await holdLease(library, 'tag');
      try {
        const [folder] = await call(service, 'library:listFolders', {});
        const rescan = await call(service, 'library:rescan', { folderId: folder?.id ?? -1 });
        await untilAsync('the app job to say it waits', async () => {
          const current = (await jobs()).find((j) => j.id === rescan.id)?.progress.current ?? '';
          return current.includes(`waiting for the library: tag (pid ${held.pid}) is using it`);
        });
        await held.release();
        await untilAsync('the waiting app job to run', async () =>
          (await jobs()).some((j) => j.id === rescan.id && j.state === 'done'),
        );
      } finally {
        await held.release();
      }
    } finally {
      await service.close();
    }
    expect(libraryState(library)).toEqual({ ok: 224, missing: 0, images: 224 });
  });
});
