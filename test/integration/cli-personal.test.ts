// Personal tags end to end (test): keywords in sidecars on a few photos of two groups → `tag`, `learn` → the rest of each group suggested right.
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { ExifTool } from 'exiftool-vendored';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { learnPersonalTags } from '../../src-main/engine/learning/learn-personal.js';
import { Library } from '../../src-main/engine/library/library.js';
import { writeColourModel } from '../support/colour-photos.js';
import { runCli, startCli } from '../support/run-cli.js';

let work: string;
let photos: string;
let model: string;
let library: string;
/** Warm reds and oranges (our cabin's walls) and blues and cyans (the beach). */
const CABIN = [
  [200, 40, 30],
  [210, 70, 40],
  [190, 50, 50],
  [220, 90, 30],
  [180, 30, 20],
  [230, 60, 60],
  [200, 80, 60],
  [170, 40, 40],
  [215, 55, 25],
  [205, 95, 45],
];
const BEACH = [
  [40, 90, 200],
  [30, 150, 210],
  [50, 110, 190],
  [20, 170, 220],
  [60, 100, 230],
  [40, 130, 180],
  [30, 80, 210],
  [70, 160, 220],
  [45, 120, 205],
  [25, 140, 235],
];
const nameOf = (group: string, i: number) => `${group}-${String(i).padStart(2, '0')}.jpg`;

async function writePhoto(file: string, rgb: readonly number[]): Promise<void> {
  const width = 160;
  const height = 120;
  const pixels = Buffer.alloc(width * height * 3);
  for (let p = 0; p < pixels.length; p++) {
    pixels[p] = Math.max(0, Math.min(255, (rgb[p % 3] ?? 0) + (((p * 2654435761) >>> 24) % 31) - 15));
  }
  await sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg()
    .toFile(file);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-personal-'));
  photos = path.join(work, 'photos');
  await mkdir(photos);
  model = await writeColourModel(path.join(work, 'model'));
  library = path.join(work, 'skiptag.db');
  const exiftool = new ExifTool({ maxProcs: 1 });
  try {
    for (const [group, shades] of [
      ['cabin', CABIN],
      ['beach', BEACH],
    ] as const) {
      for (const [i, rgb] of shades.entries()) {
        const file = path.join(photos, nameOf(group, i));
        await writePhoto(file, rgb);
        // The user's keywords from another tool, on the first five photos of each group only.
        if (i < 5) {
          await exiftool.write(`${file}.xmp`, {
            'XMP-dc:Subject': [group === 'cabin' ? 'our cabin' : 'beach'],
          } as never);
        }
      }
    }
  } finally {
    await exiftool.end();
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Polls until `text()` matches `pattern` (generous: CI machines are shared and slow at times). */
async function until(text: () => string, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(text())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; got: ${text()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tagsOf(db: Library, file: string) {
  const image = db.getImageByPath(Buffer.from(path.join(photos, file)));
  return db.imageDetail(image?.id ?? -1)?.tags ?? [];
}

describe('personal tags from sidecar keywords', () => {
  it('imports the keywords, learns both tags and suggests each on the rest of its group only', async () => {
    const tagged = await runCli(['tag', photos, '--model', model, '--library', library, '-q']);
    expect(tagged.code, tagged.stderr).toBe(0);
    const learned = await runCli(['learn', '--library', library]);
    expect(learned.code, learned.stderr).toBe(0);
    const lines = learned.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^beach\tlearned from 5 photos \(5 counter-examples\), ~100% precise at 100% recall$/,
    );
    expect(lines[1]).toMatch(/^our cabin\tlearned from 5 photos \(5 counter-examples\)/);
    expect(learned.stderr).toContain('2 personal tags learned');

    const db = Library.open(library);
    try {
      for (let i = 0; i < 10; i++) {
        const cabin = tagsOf(db, nameOf('cabin', i));
        const beach = tagsOf(db, nameOf('beach', i));
        if (i < 5) {
          expect(cabin).toContainEqual({ tag: 'our cabin', source: 'user', state: 'accepted', score: null });
          expect(beach).toContainEqual({ tag: 'beach', source: 'user', state: 'accepted', score: null });
        } else {
          const mine = cabin.filter((t) => t.source === 'personal');
          expect(mine.map((t) => [t.tag, t.state])).toEqual([['our cabin', 'suggested']]);
          expect(mine[0]?.score).toBeGreaterThan(0.5);
          const theirs = beach.filter((t) => t.source === 'personal');
          expect(theirs.map((t) => [t.tag, t.state])).toEqual([['beach', 'suggested']]);
        }
      }
    } finally {
      db.close();
    }
  });

  it('lists the personal tags in status, and learns from a rejection', async () => {
    const status = await runCli(['status', '--library', library]);
    expect(status.stdout).toContain('personal tags: 2');
    expect(status.stdout).toMatch(/ {2}our cabin: learned from 5 photos/);

    // The user rejects "beach" on a cabin photo: it becomes a counter-example.
    const db = Library.open(library);
    const id = db.getImageByPath(Buffer.from(path.join(photos, nameOf('cabin', 7))))?.id ?? -1;
    db.setTagState([id], 'beach', 'rejected');
    db.close();
    const learned = await runCli(['learn', '--library', library, '--json']);
    expect(learned.code, learned.stderr).toBe(0);
    const report = JSON.parse(learned.stdout) as { tags: { tag: string; negatives: number }[] };
    expect(report.tags.find((t) => t.tag === 'beach')?.negatives).toBe(6);
  });

  it('suggests the learned tags on new photos as `tag` classifies them, and exports the source', async () => {
    await writePhoto(path.join(photos, 'new-cabin.jpg'), [205, 60, 35]);
    await writePhoto(path.join(photos, 'new-beach.jpg'), [35, 125, 215]);
    const tagged = await runCli(['tag', photos, '--model', model, '--library', library, '-q']);
    expect(tagged.code, tagged.stderr).toBe(0);
    expect(tagged.stderr).toContain('2 new');
    const db = Library.open(library);
    try {
      const personal = (file: string) =>
        tagsOf(db, file)
          .filter((t) => t.source === 'personal')
          .map((t) => t.tag);
      expect(personal('new-cabin.jpg')).toEqual(['our cabin']);
      expect(personal('new-beach.jpg')).toEqual(['beach']);
      // The user accepts one personal suggestion: it stays personal, and accepted.
      const id = db.getImageByPath(Buffer.from(path.join(photos, 'new-cabin.jpg')))?.id ?? -1;
      db.setTagState([id], 'our cabin', 'accepted');
    } finally {
      db.close();
    }

    const csv = path.join(work, 'long.csv');
    const exported = await runCli(['export', '--library', library, '--csv', csv, '--format', 'long']);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = parse(await readFile(csv, 'utf8'), { columns: true, bom: true }) as Record<string, string>[];
    const row = (file: string, label: string) =>
      rows.find((r) => r.path === path.join(photos, file) && r.label === label);
    expect(row('new-cabin.jpg', 'our cabin')).toMatchObject({
      source: 'personal',
      state: 'accepted',
      rank: '',
    });
    expect(row('new-beach.jpg', 'beach')).toMatchObject({ source: 'personal', state: 'suggested' });
    expect(row('cabin-00.jpg', 'our cabin')).toMatchObject({ source: 'user', state: 'accepted' });
    expect(rows.some((r) => r.source === 'auto')).toBe(true);
  });

  it('writes an accepted personal tag into the photo’s sidecar as a plain keyword', async () => {
    const run = await runCli(['write-tags', '--library', library, '--folder', photos, '--tag', 'our cabin']);
    expect(run.code, run.stderr).toBe(0);
    const exiftool = new ExifTool({ maxProcs: 1 });
    try {
      const read = (await exiftool.read(path.join(photos, 'new-cabin.jpg.xmp'))) as {
        Subject?: string[] | string;
        HierarchicalSubject?: string[] | string;
      };
      expect([read.Subject ?? []].flat()).toContain('our cabin');
      expect([read.HierarchicalSubject ?? []].flat().join()).not.toContain('our cabin');
    } finally {
      await exiftool.end();
    }
  });

  it('retrains only when something changed, and again after a run that stopped before it finished', async () => {
    const db = Library.open(library);
    try {
      const modelId = db.embeddings.models()[0]?.modelId ?? -1;
      // The tests above accepted a suggestion since the last `learn`: that is something to learn from.
      expect((await learnPersonalTags(db, modelId)).trained).toBe(true);
      expect((await learnPersonalTags(db, modelId)).trained).toBe(false);
      // A run killed after storing its classifiers but before every suggestion was written leaves the
      // fingerprint of the training before it.
      db.personal.markTrained(modelId, 'an older training');
      const again = await learnPersonalTags(db, modelId);
      expect(again.trained).toBe(true);
      expect(again.classifiers.map((c) => c.tag)).toEqual(['beach', 'our cabin']);
      expect((await learnPersonalTags(db, modelId)).trained).toBe(false);

      // The app's service trains in steps, letting requests in between: after the embeddings load, after
      // each tag, after each 1,000 photos scored. A step that throws (the service closing) stops it, and the
      // training before it stands until the next one.
      let steps = 0;
      const stepped = await learnPersonalTags(db, modelId, { force: true, pause: async () => void steps++ });
      expect(steps).toBeGreaterThanOrEqual(1 + stepped.classifiers.length + 1);
      db.personal.markTrained(modelId, 'an older training');
      await expect(
        learnPersonalTags(db, modelId, {
          pause: async () => {
            throw new Error('closing');
          },
        }),
      ).rejects.toThrow('closing');
      expect((await learnPersonalTags(db, modelId)).trained).toBe(true);
    } finally {
      db.close();
    }
  });
  it('applies the tag rules to personal suggestions: an alias renames, hide drops, a threshold moves the bar', async () => {
    const personal = (db: Library, file: string) =>
      tagsOf(db, file)
        .filter((t) => t.source === 'personal')
        .map((t) => [t.tag, t.state, t.score] as const);
    const rules = path.join(work, 'rules.yml');
    await writeFile(rules, 'labels:\n  our cabin:\n    alias: the cabin\n  beach:\n    hide: true\n');
    const learned = await runCli(['learn', '--library', library, '--rules', rules]);
    expect(learned.code, learned.stderr).toBe(0);
    let db = Library.open(library);
    try {
      expect(personal(db, nameOf('cabin', 8)).map(([tag, state]) => [tag, state])).toEqual([
        ['the cabin', 'suggested'],
      ]);
      expect(personal(db, nameOf('beach', 8))).toEqual([]);
    } finally {
      db.close();
    }

    // Threshold 0 for the cabin: every photo gets it, the beach photos with the low score they have.
    await writeFile(rules, 'labels:\n  our cabin:\n    threshold: 0\n');
    expect((await runCli(['learn', '--library', library, '--rules', rules])).code).toBe(0);
    db = Library.open(library);
    try {
      const onBeach = personal(db, nameOf('beach', 8)).find(([tag]) => tag === 'our cabin');
      expect(onBeach?.[1]).toBe('suggested');
      expect(onBeach?.[2]).toBeLessThan(0.5);
      expect(personal(db, nameOf('beach', 8)).map(([tag]) => tag)).toContain('beach');
    } finally {
      db.close();
    }
    // Back to no rules for the tests after this one.
    expect((await runCli(['learn', '--library', library])).code).toBe(0);
  });

  it('suggests the learned tags on photos `watch` sees arrive', async () => {
    const { child, done } = startCli(['watch', photos, '--model', model, '--library', library]);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await until(() => stderr, /watching /);
      // Written beside the folder, then moved in whole (as a photo app's import does).
      const staged = path.join(work, 'staged.jpg');
      await writePhoto(staged, [40, 115, 215]);
      await rename(staged, path.join(photos, 'arrived-beach.jpg'));
      await until(() => stdout, /arrived-beach\.jpg\t/);
      // Results are committed in small batches just after they are printed: read until it is stored.
      const personalOfArrived = () => {
        const db = Library.open(library);
        try {
          return tagsOf(db, 'arrived-beach.jpg')
            .filter((t) => t.source === 'personal')
            .map((t) => `${t.tag}:${t.state}`)
            .join(',');
        } finally {
          db.close();
        }
      };
      await until(personalOfArrived, /./);
      expect(personalOfArrived()).toBe('beach:suggested');
    } finally {
      child.kill('SIGTERM');
    }
    expect((await done).code, stderr).toBe(0);
  });
});
