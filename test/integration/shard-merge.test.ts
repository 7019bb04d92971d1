// Sharding and merging (test): `tag --shard i/3` in three processes, `merge`, equal to one run photo for photo.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import { inShard, parseShard } from '../../src-main/engine/scan/shard.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { runCli } from '../support/run-cli.js';

type Row = Record<string, string>;

let work: string;
let model: string;
let photos: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-shards-'));
  model = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  // 6 colours × 4 folders (nested), plus a broken file: errors are merged too.
  const originals = await writeColourPhotos(path.join(work, 'originals'));
  for (const [f, folder] of ['a', 'b', path.join('b', 'deeper'), 'c'].entries()) {
    await mkdir(path.join(photos, folder), { recursive: true });
    for (const name of originals.keys()) {
      await copyFile(path.join(work, 'originals', name), path.join(photos, folder, `${f}-${name}`));
    }
  }
  await writeFile(path.join(photos, 'c', 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]));
  env = { SKIPTAG_CACHE_DIR: path.join(work, 'cache') };
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function rows(text: string): Row[] {
  return parse(text, { columns: true, bom: true }) as Row[];
}

/** What must be equal between a merged library and a single run: everything but when it was computed. */
function comparable(list: Row[]): Map<string, Row> {
  return new Map(
    list.map((row) => {
      const { classified_at: _at, ...rest } = row;
      return [row.path ?? '', rest];
    }),
  );
}

async function exportCsv(library: string, name: string): Promise<Row[]> {
  const file = path.join(work, name);
  const run = await runCli(['export', '--library', library, '--csv', file], env);
  expect(run.code, run.stderr).toBe(0);
  return rows(await readFile(file, 'utf8'));
}

describe('shard parsing', () => {
  it('takes INDEX/COUNT from 0, refuses the rest, and puts every path in exactly one shard', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['3/3', '1', '-1/3', '0/0', 'a/b', '1/3/4', ''])
      expect(() => parseShard(bad)).toThrow();
    for (let i = 0; i < 200; i++) {
      const file = Buffer.from(`/archive/${i}/IMG_${i}.jpg`);
      const owners = [0, 1, 2].filter((index) => inShard(file, { index, count: 3 }));
      expect(owners).toHaveLength(1);
    }
  });
});

describe('tag --shard and merge', () => {
  it('three shard processes, merged, equal one run photo for photo; merging again changes nothing', async () => {
    const shards = [0, 1, 2].map((i) => ({
      library: path.join(work, `shard-${i}.db`),
      csv: path.join(work, `shard-${i}.csv`),
    }));
    // Separate processes at the same time, as on three machines.
    const runs = await Promise.all(
      shards.map((s, i) =>
        runCli(
          [
            'tag',
            photos,
            '--model',
            model,
            '--library',
            s.library,
            '--csv',
            s.csv,
            '--shard',
            `${i}/3`,
            '-q',
          ],
          env,
        ),
      ),
    );
    const single = path.join(work, 'single.db');
    const one = await runCli(['tag', photos, '--model', model, '--library', single, '-q'], env);
    expect(one.code).toBe(1); // the broken file
    const total = 6 * 4 + 1;

    // Each shard has its own photos (and its own CSV); together they are every photo once.
    const seen = new Set<string>();
    for (const [i, run] of runs.entries()) {
      expect([0, 1], run.stderr).toContain(run.code);
      expect(run.stderr).toMatch(/\d+ left to other shards/);
      const shardRows = rows(await readFile(shards[i]?.csv ?? '', 'utf8'));
      expect(shardRows.length).toBeGreaterThan(0);
      for (const row of shardRows) {
        expect(seen.has(row.path ?? '')).toBe(false);
        seen.add(row.path ?? '');
        expect(inShard(Buffer.from(row.path ?? ''), { index: i, count: 3 })).toBe(true);
      }
    }
    expect(seen.size).toBe(total);

    const merged = path.join(work, 'merged.db');
    const merge = await runCli(['merge', '--library', merged, ...shards.map((s) => s.library)], env);
    expect(merge.code, merge.stderr).toBe(0);
    expect(merge.stderr).toMatch(/photos? added/);

    const expected = comparable(await exportCsv(single, 'single.csv'));
    const actual = comparable(await exportCsv(merged, 'merged.csv'));
    expect(actual.size).toBe(total);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [file, row] of expected) expect(actual.get(file), file).toEqual(row);
    // The status counts agree too (ok, error, tags).
    const status = async (library: string) => {
      const run = await runCli(['status', '--library', library, '--json'], env);
      const {
        library: _file,
        folders,
        ...rest
      } = JSON.parse(run.stdout) as {
        library: string;
        folders: { lastScanAt: string | null }[];
      };
      // When a folder was scanned differs between the runs; that it was scanned must not.
      for (const folder of folders) expect(folder.lastScanAt).not.toBeNull();
      return { ...rest, folders: folders.map((f) => ({ ...f, lastScanAt: 'scanned' })) };
    };
    expect(await status(merged)).toEqual(await status(single));
    // The photos' features come along: similar photos and personal tags need no second pass after a merge.
    const features = (file: string) => {
      const db = Library.open(file);
      try {
        return db.embeddings.models().map(({ name, count }) => ({ name, count }));
      } finally {
        db.close();
      }
    };
    expect(features(merged)).toEqual(features(single));
    expect(features(merged)[0]?.count).toBeGreaterThan(0);

    const again = await runCli(['merge', '--library', merged, ...shards.map((s) => s.library)], env);
    expect(again.code).toBe(0);
    expect(again.stderr.match(/nothing new \(already merged\)/g)).toHaveLength(3);
    expect(comparable(await exportCsv(merged, 'merged-again.csv'))).toEqual(actual);
  });

  it('never loses a user decision, and the newest classification per photo and model wins', async () => {
    const target = path.join(work, 'decisions-target.db');
    const shard = path.join(work, 'decisions-shard.db');
    const folder = path.join(photos, 'a');
    for (const library of [target, shard]) {
      const run = await runCli(['tag', folder, '--model', model, '--library', library, '-q'], env);
      expect(run.code, run.stderr).toBe(0);
    }
    const red = Buffer.from(path.join(folder, '0-red-photo.jpg'));
    const green = Buffer.from(path.join(folder, '0-green-photo.png'));
    // The user rejects "red" on one photo in the target, and accepts "green" on another in the shard.
    const t = Library.open(target);
    const s = Library.open(shard);
    try {
      const redInTarget = t.getImageByPath(red)?.id ?? -1;
      expect(t.setTagState([redInTarget], 'red', 'rejected')).toBe(1);
      const greenInShard = s.getImageByPath(green)?.id ?? -1;
      expect(s.setTagState([greenInShard], 'green', 'accepted')).toBe(1);
    } finally {
      t.close();
      s.close();
    }
    // The shard classified later (its run came second): its classifications win, decisions stay.
    const before = rows(await readFile(await exportTo(target, 'decisions-before.csv'), 'utf8'));
    const merge = await runCli(['merge', '--library', target, shard], env);
    expect(merge.code, merge.stderr).toBe(0);
    const after = rows(await readFile(await exportTo(target, 'decisions-after.csv'), 'utf8'));
    const shardRows = rows(await readFile(await exportTo(shard, 'decisions-shard.csv'), 'utf8'));
    const byPath = (list: Row[]) => new Map(list.map((r) => [r.path, r]));
    const afterByPath = byPath(after);
    for (const row of shardRows) {
      expect(afterByPath.get(row.path)?.classified_at).toBe(row.classified_at);
    }
    for (const row of before) {
      expect((afterByPath.get(row.path)?.classified_at ?? '') > (row.classified_at ?? '~')).toBe(true);
    }
    expect(afterByPath.get(red.toString())?.rejected_tags).toContain('red');
    expect(afterByPath.get(green.toString())?.accepted_tags).toContain('green');

    // Merging the target back into the shard keeps both decisions there as well.
    expect((await runCli(['merge', '--library', shard, target], env)).code).toBe(0);
    const back = byPath(rows(await readFile(await exportTo(shard, 'decisions-back.csv'), 'utf8')));
    expect(back.get(red.toString())?.rejected_tags).toContain('red');
    expect(back.get(green.toString())?.accepted_tags).toContain('green');
  });

  it('refuses bad arguments clearly and merges what it can', async () => {
    const library = path.join(work, 'refusals.db');
    const noLibrary = await runCli(['tag', photos, '--model', model, '--no-library', '--shard', '0/2'], env);
    expect(noLibrary.code).toBe(2);
    expect(noLibrary.stderr).toContain('--shard');
    const badShard = await runCli(
      ['tag', photos, '--model', model, '--library', library, '--shard', '2/2'],
      env,
    );
    expect(badShard.code).toBe(2);
    expect(badShard.stderr).toMatch(/index must be 0 to 1/);

    const shard = path.join(work, 'shard-0.db');
    const missing = path.join(work, 'no-such-shard.db');
    const junk = path.join(work, 'junk.db');
    await writeFile(junk, 'this is not a database');
    const run = await runCli(['merge', '--library', library, missing, junk, shard, library], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${missing}: not merged`);
    expect(run.stderr).toContain(`${junk}: not merged`);
    expect(run.stderr).toMatch(/is the library being merged into/);
    expect(run.stderr).toMatch(/shard-0\.db: \d+ photos? added/);
  });
});

async function exportTo(library: string, name: string): Promise<string> {
  const file = path.join(work, name);
  const run = await runCli(['export', '--library', library, '--csv', file], env);
  expect(run.code, run.stderr).toBe(0);
  return file;
}
