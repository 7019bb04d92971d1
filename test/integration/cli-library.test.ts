// `skiptag tag/export/status` with the library (test): incremental rescans, moves, deletions, new models, exports.
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import { WIDE_COLUMNS, LONG_COLUMNS } from '../../src-main/engine/export/library-export.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { runCli } from '../support/run-cli.js';

type Row = Record<string, string>;
const readCsv = (text: string) => parse(text, { columns: true, bom: true }) as Row[];

let work: string;
let model: string;
let photos: string;
let library: string;
let expected: Map<string, string>;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-lib-cli-'));
  model = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  expected = await writeColourPhotos(photos);
  library = path.join(work, 'library', 'skiptag.db');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const tag = (...args: string[]) =>
  runCli(['tag', photos, '--model', model, '--library', library, '-q', ...args]);

describe('tag with the library', () => {
  it('classifies everything the first time and nothing the second time', async () => {
    const first = await tag();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain(`${expected.size} new`);
    expect(first.stderr).toContain(`${expected.size} tagged`);
    expect(first.stdout.trim().split('\n')).toHaveLength(expected.size);
    const second = await tag();
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`0 new, 0 changed, ${expected.size} unchanged; 0 tagged`);
    expect(second.stdout).toBe('');
  });

  it('keeps a renamed photo (and the user tags on it) instead of classifying it again', async () => {
    const db = Library.open(library);
    const red = db.getImageByPath(Buffer.from(path.join(photos, 'red-photo.jpg')));
    expect(red?.status).toBe('ok');
    db.setTagState([red?.id ?? -1], 'holiday', 'accepted');
    db.close();
    await rename(path.join(photos, 'red-photo.jpg'), path.join(photos, 'red-renamed.jpg'));
    const run = await tag();
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('1 moved');
    expect(run.stderr).toContain('0 tagged');
    const after = Library.open(library);
    const moved = after.getImageByPath(Buffer.from(path.join(photos, 'red-renamed.jpg')));
    expect(moved?.id).toBe(red?.id);
    expect(after.tagsForImage(moved?.id ?? -1).find((t) => t.tag === 'holiday')?.state).toBe('accepted');
    after.close();
  });

  it('re-classifies a changed photo and marks a deleted one missing', async () => {
    await copyFile(path.join(photos, 'blue-photo.webp'), path.join(photos, 'black-photo.webp'));
    await unlink(path.join(photos, 'yellow-photo.jpg'));
    const run = await tag();
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('1 changed');
    expect(run.stderr).toContain('1 missing since the last scan');
    expect(run.stdout).toMatch(/black-photo\.webp\tblue /);
    const status = await runCli(['status', '--library', library, '--json']);
    const counts = JSON.parse(status.stdout) as { byStatus: Record<string, number> };
    expect(counts.byStatus.missing).toBe(1);
  });

  it('classifies everything again for a different model', async () => {
    const other = await writeColourModel(path.join(work, 'model-b'), { fixedBatch: 1 });
    const run = await runCli(['tag', photos, '--model', other, '--library', library, '-q']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/\d+ not yet tagged with this model/);
  });

  it('exports wide and long CSV, filtered by tag, score and folder, with the user decisions', async () => {
    const wide = path.join(work, 'wide.csv');
    const long = path.join(work, 'long.csv');
    const w = await runCli(['export', '--library', library, '--csv', wide]);
    expect(w.code, w.stderr).toBe(0);
    const wideRows = readCsv(await readFile(wide, 'utf8'));
    expect(Object.keys(wideRows[0] ?? {})).toEqual([...WIDE_COLUMNS]);
    expect(wideRows.find((r) => r.path?.endsWith('red-renamed.jpg'))?.accepted_tags).toBe('holiday');
    const l = await runCli([
      'export',
      '--library',
      library,
      '--csv',
      long,
      '--format',
      'long',
      '--tag',
      'blue',
      '--min-score',
      '0.5',
    ]);
    expect(l.code).toBe(0);
    const longRows = readCsv(await readFile(long, 'utf8'));
    expect(Object.keys(longRows[0] ?? {})).toEqual([...LONG_COLUMNS]);
    const paths = new Set(longRows.map((r) => path.basename(r.path ?? '')));
    expect([...paths].sort()).toEqual(['black-photo.webp', 'blue-photo.webp']);
    const none = await runCli([
      'export',
      '--library',
      library,
      '--csv',
      long,
      '--folder',
      path.join(work, 'elsewhere'),
    ]);
    expect(none.stderr).toContain('0 photos exported');
  });

  it('tag --csv lists unchanged photos too, from the library', async () => {
    const csv = path.join(work, 'all.csv');
    const run = await tag('--csv', csv);
    expect(run.code).toBe(0);
    const rows = readCsv(await readFile(csv, 'utf8'));
    expect(rows.length).toBe(expected.size - 1);
    for (const row of rows) expect(row.status).toBe('ok');
  });

  it('--no-library classifies without touching the library', async () => {
    const otherDir = path.join(work, 'scratch-photos');
    await mkdir(otherDir, { recursive: true });
    await copyFile(path.join(photos, 'blue-photo.webp'), path.join(otherDir, 'x.webp'));
    const run = await runCli(['tag', otherDir, '--model', model, '--no-library'], {
      SKIPTAG_LIBRARY: library,
    });
    expect(run.code).toBe(0);
    const db = Library.open(library);
    expect(db.getImageByPath(Buffer.from(path.join(otherDir, 'x.webp')))).toBeUndefined();
    db.close();
  });
});
