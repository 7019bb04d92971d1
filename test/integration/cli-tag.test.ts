// End-to-end tests of `skiptag tag` (test): the built CLI, real onnxruntime-node, sharp, files and CSV.
import { existsSync, readdirSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../src-main/engine/export/csv-export.js';
import { makeBadInputs } from '../support/bad-inputs.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { PHOTOS_DIR, REPO_ROOT, runCli, startCli } from '../support/run-cli.js';

type Row = Record<string, string>;

function readCsv(text: string): Row[] {
  return parse(text, { columns: true, bom: true }) as Row[];
}

let work: string;
let model: string;
let photos: string;
let expected: Map<string, string>;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-cli-'));
  model = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  expected = await writeColourPhotos(photos);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('skiptag tag with the colour model', () => {
  it('labels every photo with its colour and writes the documented CSV', async () => {
    const csv = path.join(work, 'colours.csv');
    const run = await runCli(['tag', photos, '--model', model, '--csv', csv]);
    expect(run.stderr).toContain('on cpu');
    expect(run.code).toBe(0);
    const text = await readFile(csv, 'utf8');
    expect(text.split('\r\n')[0]).toBe(CSV_COLUMNS.join(','));
    const rows = readCsv(text);
    expect(rows).toHaveLength(expected.size);
    for (const row of rows) {
      const want = expected.get(path.basename(row.path ?? ''));
      expect(row.path && path.isAbsolute(row.path)).toBe(true);
      expect(row.status).toBe('ok');
      expect(row.label, row.path).toBe(want);
      expect(row.labels?.split(';')).toHaveLength(5);
      expect(Number(row.score)).toBeGreaterThan(0.5);
      expect(row.classified_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(row.provider).toBe('cpu');
      expect(row.model).toBe('colours.onnx');
      expect(row.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('prints one line per photo to stdout without --csv, and honours --top-k and --threshold', async () => {
    const run = await runCli(['tag', photos, '--model', model, '--top-k', '3', '--threshold', '0.2']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(expected.size);
    for (const line of lines) {
      const [file, labels] = line.split('\t');
      const want = expected.get(path.basename(file ?? ''));
      expect(labels?.startsWith(`${want} `)).toBe(true);
      // Scores below 0.2 are dropped, at most 3 remain.
      const scores = (labels ?? '').split(', ').map((l) => Number(l.split(' ').at(-1)));
      expect(scores.length).toBeLessThanOrEqual(3);
      for (const s of scores) expect(s).toBeGreaterThanOrEqual(0.2);
    }
  });

  it('works with a fixed-batch model whatever --batch says', async () => {
    const fixed = await writeColourModel(path.join(work, 'model-fixed'), { fixedBatch: 1 });
    const json = path.join(work, 'fixed.json');
    const run = await runCli(['tag', photos, '--model', fixed, '--batch', '4', '--json', json]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('batch 1');
    const records = JSON.parse(await readFile(json, 'utf8')) as {
      path: string;
      predictions: { label: string }[];
    }[];
    expect(records).toHaveLength(expected.size);
    for (const r of records) expect(r.predictions[0]?.label).toBe(expected.get(path.basename(r.path)));
  });

  it('tags files with non-UTF-8 and hostile names, and survives a symlink loop', async () => {
    const dir = path.join(work, 'odd-names');
    await mkdir(dir, { recursive: true });
    const source = path.join(photos, 'red-photo.jpg');
    const latin1 = Buffer.concat([Buffer.from(`${dir}/caf`), Buffer.from([0xe9]), Buffer.from('.jpg')]);
    await copyFile(source, latin1);
    for (const name of ['a,b.jpg', 'quote".jpg', 'new\nline.jpg', '=cmd.jpg', '-minus.jpg']) {
      await copyFile(source, path.join(dir, name));
    }
    await symlink('..', path.join(dir, 'loop'));
    const csv = path.join(work, 'odd.csv');
    const run = await runCli(['tag', dir, '--model', model, '--csv', csv]);
    expect(run.code).toBe(0);
    const rows = readCsv(await readFile(csv, 'utf8'));
    const names = rows.map((r) => path.basename(r.path ?? ''));
    // The loop leads back to the work folder: its photos are found once each, the loop is not followed twice.
    expect(new Set(rows.map((r) => r.path)).size).toBe(rows.length);
    expect(names).toContain('caf\uFFFD.jpg');
    expect(names).toEqual(
      expect.arrayContaining(['a,b.jpg', 'quote".jpg', 'new\nline.jpg', '=cmd.jpg', '-minus.jpg']),
    );
    for (const row of rows) {
      expect(row.status).toBe('ok');
      for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    }
  });
});

describe('skiptag tag failures', () => {
  it('reports per-file errors with stable codes, tags the rest and exits 1', async () => {
    const dir = path.join(work, 'mixed');
    await mkdir(dir, { recursive: true });
    await copyFile(path.join(photos, 'blue-photo.webp'), path.join(dir, 'good.png'));
    await writeFile(path.join(dir, 'empty.jpg'), '');
    await writeFile(path.join(dir, 'text.jpg'), 'this is not a photo');
    const good = await readFile(path.join(PHOTOS_DIR, 'dog.jpg'));
    await writeFile(path.join(dir, 'truncated.jpg'), good.subarray(0, Math.floor(good.length * 0.6)));
    await writeFile(
      path.join(dir, 'IMG_0001.HEIC'),
      Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic'), Buffer.alloc(16)]),
    );
    await writeFile(path.join(dir, 'IMG_0002.CR2'), Buffer.alloc(64, 1));
    await writeFile(path.join(dir, 'notes.txt'), 'not a photo, skipped');
    const csv = path.join(work, 'mixed.csv');
    const run = await runCli(['tag', dir, '--model', model, '--csv', csv]);
    expect(run.code).toBe(1);
    const byName = new Map(readCsv(await readFile(csv, 'utf8')).map((r) => [path.basename(r.path ?? ''), r]));
    expect([...byName.keys()].sort()).toEqual([
      'IMG_0001.HEIC',
      'IMG_0002.CR2',
      'empty.jpg',
      'good.png',
      'text.jpg',
      'truncated.jpg',
    ]);
    expect(byName.get('good.png')?.label).toBe('blue');
    expect(byName.get('empty.jpg')?.error_code).toBe('corrupt');
    expect(byName.get('text.jpg')?.error_code).toBe('corrupt');
    expect(byName.get('truncated.jpg')?.error_code).toBe('corrupt');
    // A HEIF header with nothing behind it; a .CR2 that is 64 bytes of 0x01.
    expect(byName.get('IMG_0001.HEIC')?.error_code).toBe('heif_corrupt');
    expect(byName.get('IMG_0001.HEIC')?.error_message).toMatch(/HEIC/);
    expect(byName.get('IMG_0002.CR2')?.error_code).toBe('corrupt');
    expect(byName.get('IMG_0002.CR2')?.error_message).toMatch(/RAW/);
    for (const row of byName.values()) {
      if (row.status === 'error') expect(row.label).toBe('');
    }
    expect(run.stderr).toMatch(/1 tagged, 5 failed/);
    expect(run.stderr).toContain('1 other file skipped');
  });

  it('goes through every awkward input in one batch, each with its own outcome', async () => {
    const dir = path.join(work, 'awkward');
    await mkdir(dir, { recursive: true });
    const cases = await makeBadInputs(dir);
    const csv = path.join(work, 'awkward.csv');
    // Without the library the CSV has a row for every input, broken links included.
    const run = await runCli(['tag', dir, '--model', model, '--csv', csv, '--bom', '--no-library']);
    expect(run.code).toBe(1);
    const text = await readFile(csv, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const byPath = new Map(readCsv(text).map((r) => [r.path, r]));
    for (const [key, c] of Object.entries(cases)) {
      if (key === 'directory') continue; // a folder named x.jpg is walked into, not tagged
      const row = byPath.get(c.path);
      expect(row, key).toBeDefined();
      // A dangling link found while walking a folder is reported as a path problem by the walker.
      const want = key === 'danglingSymlink' ? 'path_error' : c.expect;
      if (want === 'ok') {
        expect(row?.status, key).toBe('ok');
        expect(row?.labels?.split(';'), key).toHaveLength(5);
      } else {
        expect(row?.error_code, `${key}: ${row?.error_message}`).toBe(want);
        expect(row?.error_message?.length, key).toBeGreaterThan(5);
      }
    }
  });

  it('on Ctrl-C stops, writes every finished row and exits 130', async () => {
    const dir = path.join(work, 'interrupt');
    await mkdir(dir, { recursive: true });
    const source = path.join(PHOTOS_DIR, 'dog.jpg');
    for (let i = 0; i < 400; i++) await link(source, path.join(dir, `dog-${String(i).padStart(3, '0')}.jpg`));
    const resnet = path.join(work, 'resnet18.onnx');
    expect((await runCli(['models', 'synth', 'resnet18', resnet])).code).toBe(0);
    const csv = path.join(work, 'interrupted.csv');
    const { child, done } = startCli(['tag', dir, '--model', resnet, '--batch', '2', '--csv', csv]);
    // Interrupt once tagging is under way (the model line is printed after the session loads).
    await new Promise<void>((resolve) => {
      child.stderr?.on('data', (d: Buffer) => {
        if (d.toString().includes('on cpu')) setTimeout(resolve, 1500);
      });
    });
    child.kill('SIGINT');
    const run = await done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('interrupted');
    const rows = readCsv(await readFile(csv, 'utf8'));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(400);
    for (const row of rows) {
      expect(row.status).toBe('ok');
      expect(row.wnids?.split(';')).toHaveLength(5);
    }
  });

  it('exits 2 on usage errors with a pointer to --help', async () => {
    for (const args of [
      ['tag'],
      ['tag', photos, '--top-k', 'many'],
      ['tag', photos, '--bogus'],
      ['tag', photos, '--ep', 'tpu'],
      ['frobnicate'],
    ]) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('--help');
    }
  });

  it('builds the demo model into a folder that does not exist yet', async () => {
    const target = path.join(work, 'not', 'there', 'yet', 'colours.onnx');
    const run = await runCli(['models', 'synth', 'colours', target]);
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(target)).toBe(true);
    expect(existsSync(target.replace(/\.onnx$/, '.labels.txt'))).toBe(true);
  });

  it('prints help for every command', async () => {
    for (const args of [['--help'], ['tag', '--help'], ['models', '--help']]) {
      const run = await runCli(args);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: skiptag/);
    }
  });

  const modelsDirHasModel = readdirSync(path.join(REPO_ROOT, 'models')).some((f) => f.endsWith('.onnx'));
  it.skipIf(modelsDirHasModel)('explains how to get a model when none is found (exit 3)', async () => {
    const run = await runCli(['tag', photos]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('No model found');
    expect(run.stderr).toContain('models synth colours');
  });

  it('refuses an explicit provider that cannot load instead of silently using another (exit 3)', async () => {
    const run = await runCli(['tag', photos, '--model', model, '--ep', 'cuda']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cuda/i);
  });

  it('refuses labels that do not match the model (exit 3) and leaves an older CSV untouched', async () => {
    const csv = path.join(work, 'keep.csv');
    await writeFile(csv, 'older export\n');
    const labels = path.join(work, 'three.txt');
    await writeFile(labels, 'a\nb\nc\n');
    const run = await runCli(['tag', photos, '--model', model, '--labels', labels, '--csv', csv]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/13 classes/);
    expect(await readFile(csv, 'utf8')).toBe('older export\n');
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('exits 3 with a clear message when the CSV folder does not exist', async () => {
    const run = await runCli([
      'tag',
      photos,
      '--model',
      model,
      '--csv',
      path.join(work, 'no-such-dir', 'x.csv'),
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no-such-dir');
    expect(existsSync(path.join(work, 'no-such-dir'))).toBe(false);
  });
});
