// Overlapping and repeated inputs (test): a folder and its subfolder, a folder and a photo in it, one photo twice — in tag, watch and the app.
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { runCli, startCli } from '../support/run-cli.js';
import { call } from '../support/service-calls.js';

type Row = Record<string, string>;
const readCsv = async (file: string) =>
  parse(await readFile(file, 'utf8'), { columns: true, bom: true }) as Row[];

let work: string;
let model: string;
/** d/: six colour photos, d/sub/: two more, d/.private/: one hidden photo. */
let d: string;
let sub: string;
let count = 0;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-overlap-'));
  model = await writeColourModel(path.join(work, 'model'));
  d = path.join(work, 'd');
  await writeColourPhotos(d);
  sub = path.join(d, 'sub');
  await mkdir(sub);
  await copyFile(path.join(d, 'red-photo.jpg'), path.join(sub, 'red-again.jpg'));
  await copyFile(path.join(d, 'blue-photo.webp'), path.join(sub, 'blue-again.webp'));
  await mkdir(path.join(d, '.private'));
  await copyFile(path.join(d, 'green-photo.png'), path.join(d, '.private', 'secret.png'));
  await symlink(d, path.join(work, 'link-to-d'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function fresh(): Promise<{ library: string; csv: string }> {
  count += 1;
  const dir = path.join(work, `run-${count}`);
  await mkdir(dir, { recursive: true });
  return { library: path.join(dir, 'library.db'), csv: path.join(dir, 'out.csv') };
}

async function tagged(inputs: string[], expected: number, note: RegExp | null): Promise<Row[]> {
  const { library, csv } = await fresh();
  const run = await runCli(['tag', ...inputs, '--model', model, '--library', library, '--csv', csv, '-q']);
  expect(run.code, run.stderr).toBe(0);
  if (note) expect(run.stderr).toMatch(note);
  const rows = await readCsv(csv);
  expect(rows).toHaveLength(expected);
  expect(new Set(rows.map((r) => r.path)).size).toBe(expected);
  expect(rows.every((r) => r.status === 'ok')).toBe(true);
  return rows;
}

describe('tag with a library', () => {
  it('covers a subfolder named beside its folder', async () => {
    await tagged([d, sub], 8, /note: .*[/]d[/]sub is inside .*[/]d: tagged as part of it/);
  });

  it('covers a photo named beside its folder, and a folder named through a link to it', async () => {
    await tagged([d, path.join(d, 'red-photo.jpg')], 8, /red-photo\.jpg is inside/);
    await tagged([d, path.join(work, 'link-to-d')], 8, /link-to-d is the same as/);
  });

  it('tags a photo named twice once', async () => {
    const photo = path.join(d, 'red-photo.jpg');
    await tagged([photo, photo, path.join(sub, '..', 'red-photo.jpg')], 1, /named twice: tagged once/);
  });

  it('still tags a photo inside the folder that the folder walk skips (hidden), when named', async () => {
    const rows = await tagged([d, path.join(d, '.private', 'secret.png')], 9, null);
    expect(rows.some((r) => r.path?.endsWith('secret.png'))).toBe(true);
  });

  it('keeps one library folder for a folder and its subfolder, whichever comes first', async () => {
    const { library, csv } = await fresh();
    const first = await runCli(['tag', sub, '--model', model, '--library', library, '-q']);
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(['tag', d, '--model', model, '--library', library, '--csv', csv, '-q']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('6 new');
    expect(second.stderr).not.toMatch(/missing/);
    const db = Library.open(library);
    try {
      expect(db.listFolders().map((f) => f.display)).toEqual([d]);
      expect(db.statusCounts().byStatus).toMatchObject({ ok: 8, missing: 0 });
    } finally {
      db.close();
    }
    // And the other way round: the subfolder is covered by the folder already there.
    const third = await runCli(['tag', sub, '--model', model, '--library', library, '-q']);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toContain('0 new, 0 changed, 2 unchanged');
  });
});

describe('watch', () => {
  async function watchUntilUpToDate(args: string[]): Promise<{ code: number | null; stderr: string }> {
    const { child, done } = startCli(['watch', ...args, '--model', model]);
    let stderr = '';
    child.stderr?.on('data', (data: Buffer) => (stderr += data.toString()));
    const deadline = Date.now() + 60_000;
    while (!/watching \//.test(stderr) && child.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    const run = await done;
    return { code: run.code, stderr: run.stderr };
  }

  it('watches a folder and its subfolder as one, and a later plain watch works', async () => {
    const { library } = await fresh();
    const first = await watchUntilUpToDate([d, sub, '--library', library]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/up to date \(8 new/);
    const again = await watchUntilUpToDate(['--library', library]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/up to date \(0 new, 0 changed, 0 missing\)/);
  });

  it('works on a library that remembers both a folder and its subfolder as watched', async () => {
    const { library } = await fresh();
    // What a library written before folders were kept apart holds after `watch d d/sub`.
    const db = Library.open(library);
    db.upsertFolder(Buffer.from(d), d, true);
    db.upsertFolder(Buffer.from(sub), sub, true);
    db.close();
    const run = await watchUntilUpToDate(['--library', library]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/up to date \(8 new/);
    expect(run.stderr).toContain(`watching ${d}\n`);
  });
});

describe("the app's add-folder path", () => {
  it('records one watched folder for repeated and nested drops, and absorbs a subfolder watched before', async () => {
    const dir = path.join(work, 'app');
    const service = new AppService({
      libraryFile: path.join(dir, 'library.db'),
      dataDir: dir,
      modelPath: model,
      models: { dir: path.join(dir, 'models'), catalogFile: null, mirror: null },
      workerOptions: { threads: 1, batchSize: 4 },
      urls: { thumb: (id) => `/thumb/${id}`, preview: (id) => `/preview/${id}` },
      watcher: { stabilityMs: 300, pollIntervalMs: 50 },
      prewarmThumbnails: false,
      onLog: () => undefined,
    });
    const idle = async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const jobs = await call(service, 'jobs:list', {});
        if (jobs.every((j) => j.state === 'done' || j.state === 'failed' || j.state === 'cancelled'))
          return jobs;
        if (Date.now() > deadline) throw new Error(`jobs did not finish: ${JSON.stringify(jobs)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      // The subfolder first, then the folder, its subfolder and the folder again, and a photo inside.
      await call(service, 'library:addFolders', { paths: [sub] });
      await idle();
      const added = await call(service, 'library:addFolders', {
        paths: [d, sub, d, path.join(d, 'red-photo.jpg'), path.join(work, 'link-to-d')],
      });
      expect(added.map((f) => f.path)).toEqual([d]);
      const jobs = await idle();
      expect(jobs.every((j) => j.state === 'done')).toBe(true);
      const folders = await call(service, 'library:listFolders', {});
      expect(folders).toEqual([expect.objectContaining({ path: d, watched: true, imageCount: 8 })]);
      // A subfolder dropped again is already covered: the folder that covers it comes back, nothing new runs.
      const again = await call(service, 'library:addFolders', { paths: [sub] });
      expect(again.map((f) => f.path)).toEqual([d]);
      expect((await call(service, 'library:listFolders', {})).map((f) => f.path)).toEqual([d]);
      const { total } = await call(service, 'images:query', { filter: {}, offset: 0, limit: 100 });
      expect(total).toBe(8);
    } finally {
      await service.close();
    }
  });
});
