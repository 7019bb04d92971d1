// Outputs that would destroy something (test): --csv/--json over the library, over a photo, or over each other are refused (exit 2) before any work.
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { runCli } from '../support/run-cli.js';
import { exportTo } from '../support/service-calls.js';

let work: string;
let model: string;
let photos: string;
let library: string;
let dog: Buffer;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-outputs-'));
  model = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  await writeColourPhotos(photos);
  await copyFile(path.join(photos, 'red-photo.jpg'), path.join(photos, 'dog.jpg'));
  dog = await readFile(path.join(photos, 'dog.jpg'));
  await symlink(path.join(photos, 'dog.jpg'), path.join(work, 'link-to-dog.csv'));
  library = path.join(work, 'lib', 'L.db');
  const first = await runCli(['tag', photos, '--model', model, '--library', library, '-q']);
  expect(first.code, first.stderr).toBe(0);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function libraryIntact(): Promise<void> {
  const db = Library.open(library);
  try {
    expect(db.integrityCheck()).toBe('ok');
    expect(db.statusCounts().byStatus.ok).toBe(7);
  } finally {
    db.close();
  }
}

describe('export', () => {
  it.each([
    ['the library', () => ['--csv', library]],
    ['its -wal file', () => ['--csv', `${library}-wal`]],
    ['its -shm file (as --json)', () => ['--json', `${library}-shm`]],
    ['the library by another spelling', () => ['--csv', path.join(work, 'lib', '..', 'lib', 'L.db')]],
    ['a photo in the library', () => ['--csv', path.join(photos, 'dog.jpg')]],
    ['each other', () => ['--csv', path.join(work, 'same.out'), '--json', path.join(work, 'same.out')]],
  ])('refuses to write over %s (exit 2) and changes nothing', async (_what, args) => {
    const run = await runCli(['export', '--library', library, ...args()]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/would overwrite|is a photo|are the same file/);
    await libraryIntact();
    expect(await readFile(path.join(photos, 'dog.jpg'))).toEqual(dog);
    expect(existsSync(path.join(work, 'same.out'))).toBe(false);
  });

  it('still writes a CSV and a JSON to two good files', async () => {
    const run = await runCli([
      'export',
      '--library',
      library,
      '--csv',
      path.join(work, 'ok.csv'),
      '--json',
      path.join(work, 'ok.json'),
    ]);
    expect(run.code, run.stderr).toBe(0);
    const rows = parse(await readFile(path.join(work, 'ok.csv'), 'utf8'), {
      columns: true,
      bom: true,
    }) as unknown[];
    expect(rows).toHaveLength(7);
    expect(JSON.parse(await readFile(path.join(work, 'ok.json'), 'utf8'))).toHaveLength(7);
  });
});

describe('tag', () => {
  it.each([
    ['a photo it reads (--csv)', () => ['--csv', path.join(photos, 'dog.jpg')]],
    ['a photo it reads, through a link', () => ['--csv', path.join(work, 'link-to-dog.csv')]],
    ['a new photo name in a folder it reads (--json)', () => ['--json', path.join(photos, 'new.png')]],
    ['its library', (own: string) => ['--csv', own]],
    ["its library's -wal file", (own: string) => ['--json', `${own}-wal`]],
    ['each other', () => ['--csv', path.join(work, 'both'), '--json', path.join(work, 'both')]],
  ])('refuses an output over %s before any work (exit 2)', async (_what, args: (own: string) => string[]) => {
    const fresh = path.join(work, `fresh-${Math.random().toString(36).slice(2)}`, 'library.db');
    const run = await runCli(['tag', photos, '--model', model, '--library', fresh, '-q', ...args(fresh)]);
    expect(run.code, run.stderr).toBe(2);
    // Before any work: the model never started, no library was created, the photo is untouched.
    expect(run.stderr).not.toMatch(/model colours/);
    expect(existsSync(fresh)).toBe(false);
    expect(await readFile(path.join(photos, 'dog.jpg'))).toEqual(dog);
    expect(existsSync(path.join(photos, 'new.png'))).toBe(false);
    await libraryIntact();
  });

  it('refuses a photo named on the command line as the output, also with --no-library', async () => {
    const photo = path.join(photos, 'dog.jpg');
    const run = await runCli(['tag', photo, '--model', model, '--no-library', '--csv', photo]);
    expect(run.code, run.stderr).toBe(2);
    expect(await readFile(photo)).toEqual(dog);
  });

  it('accepts a CSV inside the folder it reads (not a photo name)', async () => {
    const csv = path.join(photos, 'tags.csv');
    const run = await runCli(['tag', photos, '--model', model, '--no-library', '--csv', csv, '-q']);
    expect(run.code, run.stderr).toBe(0);
    expect((await stat(csv)).size).toBeGreaterThan(0);
    await rm(csv);
  });
});

describe("the app's export", () => {
  it('refuses to export over its own library or a photo in it', async () => {
    const dir = path.join(work, 'app');
    await mkdir(dir, { recursive: true });
    const service = new AppService({
      libraryFile: library,
      dataDir: dir,
      modelPath: model,
      models: { dir: path.join(dir, 'models'), catalogFile: null, mirror: null },
      urls: { thumb: (id) => `/thumb/${id}`, preview: (id) => `/preview/${id}` },
      catchUpOnStart: false,
      prewarmThumbnails: false,
      onLog: () => undefined,
    });
    const request = { scope: 'all', format: 'csv', layout: 'wide', bom: false };
    try {
      await expect(exportTo(service, request, library)).rejects.toMatchObject({ code: 'bad_request' });
      await expect(exportTo(service, request, path.join(photos, 'dog.jpg'))).rejects.toMatchObject({
        code: 'bad_request',
      });
      const ok = await exportTo(service, request, path.join(dir, 'export.csv'));
      expect(ok.count).toBe(7);
    } finally {
      await service.close();
    }
    await libraryIntact();
    expect(await readFile(path.join(photos, 'dog.jpg'))).toEqual(dog);
  });
});
