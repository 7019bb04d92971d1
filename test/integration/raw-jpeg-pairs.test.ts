// RAW+JPEG pairs (test): one photo in the library's grid and exports, decisions shared, tags written to both files; HEIC and RAW through the real CLI.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { Library } from '../../src-main/engine/library/library.js';
import { EVENTS, type EventPayload } from '../../src-main/shared/contract.js';
import { call } from '../support/service-calls.js';
import { openAtVersion } from '../../src-main/engine/library/migrations.js';
import { pairKeyOf } from '../../src-main/engine/library/pairs.js';
import { canMakeHeic, makeDng, makeHeic } from '../../src-main/engine/synth/camera-files.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { runCli } from '../support/run-cli.js';

let work: string;
let exiftool: ExifTool;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-pairs-'));
  exiftool = new ExifTool({ maxProcs: 1 });
});

afterAll(async () => {
  await exiftool?.end();
  await rm(work, { recursive: true, force: true });
});

const seen = (file: string, ino: number) => ({
  path: Buffer.from(file),
  display: file,
  size: 100,
  mtimeMs: 1,
  devIno: `1:${ino}`,
});

describe('pair keys', () => {
  it('pairs a RAW with the JPEG or HEIF of the same name in the same folder, whatever the case', () => {
    const raw = pairKeyOf(Buffer.from('/p/IMG_0001.CR2'));
    expect(raw?.role).toBe('raw');
    expect(pairKeyOf(Buffer.from('/p/img_0001.jpg'))).toEqual({ key: raw?.key, role: 'jpeg' });
    expect(pairKeyOf(Buffer.from('/p/IMG_0001.HIF'))?.key).toEqual(raw?.key);
    expect(pairKeyOf(Buffer.from('/q/IMG_0001.JPG'))?.key).not.toEqual(raw?.key);
    expect(pairKeyOf(Buffer.from('/P/IMG_0001.JPG'))?.key).not.toEqual(raw?.key);
    expect(pairKeyOf(Buffer.from('/p/IMG_0001.png'))).toBeNull();
    expect(pairKeyOf(Buffer.from('/p/.CR2'))).toBeNull();
    expect(pairKeyOf(Buffer.from('/p/noext'))).toBeNull();
  });
});

describe('pairs in the library', () => {
  it('shows one photo per pair, shares decisions, and lets a rename or a deletion break the pair', () => {
    const file = path.join(work, 'unit.db');
    const library = Library.open(file);
    try {
      const raw = library.insertImage(seen('/p/IMG_0001.CR2', 1), null, 1);
      const jpeg = library.insertImage(seen('/p/IMG_0001.JPG', 2), null, 1);
      const alone = library.insertImage(seen('/p/IMG_0002.JPG', 3), null, 1);
      const names = () =>
        library
          .queryImages({ review: 'all' }, { offset: 0, limit: 10 })
          .items.map((i) => [i.name, i.companions]);
      expect(names()).toEqual([
        ['IMG_0001.CR2', ['IMG_0001.JPG']],
        ['IMG_0002.JPG', []],
      ]);
      expect([...library.exportImages()].map((i) => [i.path, i.companions])).toEqual([
        ['/p/IMG_0001.CR2', ['/p/IMG_0001.JPG']],
        ['/p/IMG_0002.JPG', []],
      ]);
      library.pairPrimary = 'jpeg';
      expect(names()).toEqual([
        ['IMG_0001.JPG', ['IMG_0001.CR2']],
        ['IMG_0002.JPG', []],
      ]);
      expect(library.matchingImageIds({ review: 'all' })).toEqual([jpeg.id, alone.id]);
      // Folder cards and the tag list count photos, as the grid shows them.
      const folder = library.upsertFolder(Buffer.from('/p'), '/p', true);
      expect(library.folderInfo(folder).imageCount).toBe(2);

      // A decision on the photo is the decision on both files (and counts the photo once).
      expect(library.setTagState([jpeg.id], 'beach', 'accepted')).toBe(1);
      expect(library.tagsForImage(raw.id)).toMatchObject([{ tag: 'beach', state: 'accepted' }]);
      expect(library.tagCounts()).toEqual([{ tag: 'beach', count: 1 }]);
      library.setTagState([raw.id], 'beach', 'rejected');
      expect(library.tagsForImage(jpeg.id)).toMatchObject([{ tag: 'beach', state: 'rejected' }]);
      library.removeTag([jpeg.id], 'beach');
      expect(library.tagsForImage(raw.id)).toEqual([]);
      expect(library.tagsForImage(alone.id)).toEqual([]);

      // The shown file could not be decoded: the other one is shown too, so the photo is not lost behind
      // an error tile (the failed file still says why).
      library.recordFailure(jpeg.id, { code: 'corrupt', message: 'broken' }, 'error');
      expect(names()).toEqual([
        ['IMG_0001.CR2', ['IMG_0001.JPG']],
        ['IMG_0001.JPG', ['IMG_0001.CR2']],
        ['IMG_0002.JPG', []],
      ]);
      // Decoded after all (replaced by a good copy): one photo again.
      library.recordSuccess(jpeg.id, {
        modelId: library.ensureModel('sha-m', 'm.onnx'),
        provider: 'cpu',
        classifiedAt: '2026-01-01T00:00:00.000Z',
        sha256: 'sha-jpeg',
        size: 100,
        format: 'jpeg',
        width: 4,
        height: 3,
        predictions: [],
      });
      expect(names().map(([name]) => name)).toEqual(['IMG_0001.JPG', 'IMG_0002.JPG']);

      // The shown file deleted: the other one stands alone and is shown.
      expect(library.markMissingPath(Buffer.from('/p/IMG_0001.JPG'))).toBe(true);
      expect(names()).toEqual([
        ['IMG_0001.CR2', []],
        ['IMG_0002.JPG', []],
      ]);
      library.updateSeen(jpeg.id, seen('/p/IMG_0001.JPG', 2), 2);
      expect(names()[0]).toEqual(['IMG_0001.JPG', ['IMG_0001.CR2']]);

      // Renamed away: two photos; renamed back: one again.
      library.movePath(jpeg.id, seen('/p/IMG_0001-edit.JPG', 2), null, 3);
      expect(names().map(([name]) => name)).toEqual(['IMG_0001-edit.JPG', 'IMG_0001.CR2', 'IMG_0002.JPG']);
      library.movePath(jpeg.id, seen('/p/IMG_0001.JPG', 2), null, 4);
      expect(names().map(([name]) => name)).toEqual(['IMG_0001.JPG', 'IMG_0002.JPG']);
      expect(library.pairPartners(raw.id)).toEqual([
        { id: jpeg.id, display: '/p/IMG_0001.JPG', role: 'jpeg' },
      ]);
    } finally {
      library.close();
    }
  });

  it('gives images of an older library their pair keys when it is upgraded', () => {
    const file = path.join(work, 'old.db');
    const db = openAtVersion(file, 4);
    const insert = (p: string, ino: number) =>
      db.run(
        `INSERT INTO images (path, display, size, mtime_ms, dev_ino, status, first_seen_at, updated_at)
         VALUES (:path, :display, 1, 1, :ino, 'ok', 'now', 'now')`,
        { path: Buffer.from(p), display: p, ino: `1:${ino}` },
      );
    insert('/old/DSC_1.NEF', 1);
    insert('/old/DSC_1.JPG', 2);
    db.close();
    const library = Library.open(file);
    try {
      expect(library.schemaVersion()).toBeGreaterThanOrEqual(5);
      const items = library.queryImages({ review: 'all' }, { offset: 0, limit: 10 }).items;
      expect(items.map((i) => [i.name, i.companions])).toEqual([['DSC_1.NEF', ['DSC_1.JPG']]]);
    } finally {
      library.close();
    }
  });
});

// heif-enc: always on Linux (CI installs it); macOS and Windows runners may lack it.
describe.skipIf(!canMakeHeic())('HEIC, RAW and pairs through the CLI', () => {
  let model: string;
  let photos: string;
  let libraryFile: string;

  beforeAll(async () => {
    model = await writeColourModel(path.join(work, 'model'));
    const sources = path.join(work, 'sources');
    await writeColourPhotos(sources);
    photos = path.join(work, 'photos');
    await mkdir(photos);
    const red = await sharp(path.join(sources, 'red-photo.jpg')).jpeg({ quality: 92 }).toBuffer();
    await writeFile(path.join(photos, 'IMG_0001.DNG'), await makeDng(red));
    await writeFile(path.join(photos, 'IMG_0001.JPG'), red);
    await writeFile(
      path.join(photos, 'IMG_0002.JPG'),
      await sharp(path.join(sources, 'blue-photo.webp')).jpeg().toBuffer(),
    );
    await writeFile(
      path.join(photos, 'IMG_0003.HEIC'),
      await makeHeic(await readFile(path.join(sources, 'green-photo.png'))),
    );
    libraryFile = path.join(work, 'cli', 'library.db');
  }, 120_000);

  const exported = async (...extra: string[]) => {
    const out = path.join(work, `export-${Math.random().toString(36).slice(2)}.json`);
    const run = await runCli(['export', '--json', out, '--library', libraryFile, ...extra]);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(await readFile(out, 'utf8')) as {
      path: string;
      format: string;
      companions: string[];
      predictions: { label: string }[];
    }[];
  };

  it('tags every file, and exports a pair as one photo naming its companion', async () => {
    const run = await runCli(['tag', photos, '--model', model, '--library', libraryFile]);
    expect(run.code, run.stderr).toBe(0);
    // Every file is scanned and classified (either can stand alone later); the summary names the pair.
    expect(run.stderr).toMatch(/4 new, .*4 tagged, 1 RAW\+JPEG pair shown as one photo each/);
    const rows = await exported();
    expect(rows.map((r) => [path.basename(r.path), r.format, r.predictions[0]?.label, r.companions])).toEqual(
      [
        ['IMG_0001.DNG', 'dng', 'red', [path.join(photos, 'IMG_0001.JPG')]],
        ['IMG_0002.JPG', 'jpeg', 'blue', []],
        ['IMG_0003.HEIC', 'heic', 'green', []],
      ],
    );
    const jpegFirst = await exported('--pair-primary', 'jpeg');
    expect(jpegFirst[0]).toMatchObject({
      path: path.join(photos, 'IMG_0001.JPG'),
      companions: [path.join(photos, 'IMG_0001.DNG')],
    });
  });

  it('writes the pair’s tags to both files’ sidecars, and never embeds into the RAW', async () => {
    const sidecars = await runCli(['write-tags', '--library', libraryFile]);
    expect(sidecars.code, sidecars.stderr).toBe(0);
    for (const name of ['IMG_0001.DNG.xmp', 'IMG_0001.JPG.xmp']) {
      const tags = (await exiftool.read(path.join(photos, name))) as { Subject?: unknown };
      expect([tags.Subject].flat(), name).toContain('red');
    }
    const heicSidecar = (await exiftool.read(path.join(photos, 'IMG_0003.HEIC.xmp'))) as {
      Subject?: unknown;
    };
    expect([heicSidecar.Subject].flat()).toContain('green');

    // Adobe naming: IMG_0001.xmp is the RAW's (Lightroom), written once for the photo.
    const adobe = await runCli(['write-tags', '--library', libraryFile, '--xmp-name', 'replace']);
    expect(adobe.code, adobe.stderr).toBe(0);
    const shared = (await exiftool.read(path.join(photos, 'IMG_0001.xmp'))) as { Subject?: unknown };
    expect([shared.Subject].flat()).toContain('red');
    expect(adobe.stdout + adobe.stderr).toMatch(/IMG_0001\.xmp is the sidecar of .*IMG_0001\.DNG/);

    // Embedding: the HEIC and the JPEG get keywords inside (pixels checked), the DNG only its sidecar.
    const dngBefore = await readFile(path.join(photos, 'IMG_0001.DNG'));
    const embed = await runCli(['write-tags', '--library', libraryFile, '--xmp', 'embed']);
    expect(embed.code, embed.stdout + embed.stderr).toBe(0);
    const heic = (await exiftool.read(path.join(photos, 'IMG_0003.HEIC'))) as { Subject?: unknown };
    expect([heic.Subject].flat()).toContain('green');
    const jpeg = (await exiftool.read(path.join(photos, 'IMG_0001.JPG'))) as { Subject?: unknown };
    expect([jpeg.Subject].flat()).toContain('red');
    expect((await readFile(path.join(photos, 'IMG_0001.DNG'))).equals(dngBefore)).toBe(true);
    // The rewritten HEIC still decodes (and was not classified again: it is the same photo).
    const again = await runCli(['tag', photos, '--model', model, '--library', libraryFile]);
    expect(again.code, again.stderr).toBe(0);
    expect((await exported()).find((r) => r.path.endsWith('IMG_0003.HEIC'))?.predictions[0]?.label).toBe(
      'green',
    );
  });

  it('splits a pair when the JPEG is renamed, and makes it again when the name comes back', async () => {
    await rename(path.join(photos, 'IMG_0001.JPG'), path.join(photos, 'IMG_0001-edit.JPG'));
    expect((await runCli(['tag', photos, '--model', model, '--library', libraryFile])).code).toBe(0);
    expect((await exported()).map((r) => path.basename(r.path))).toEqual([
      'IMG_0001-edit.JPG',
      'IMG_0001.DNG',
      'IMG_0002.JPG',
      'IMG_0003.HEIC',
    ]);
    await rename(path.join(photos, 'IMG_0001-edit.JPG'), path.join(photos, 'IMG_0001.JPG'));
    expect((await runCli(['tag', photos, '--model', model, '--library', libraryFile])).code).toBe(0);
    expect((await exported()).map((r) => path.basename(r.path))).toEqual([
      'IMG_0001.DNG',
      'IMG_0002.JPG',
      'IMG_0003.HEIC',
    ]);
    expect(existsSync(path.join(photos, 'IMG_0001.JPG.xmp'))).toBe(true);
  });
});

describe('the app: the pair setting', () => {
  it('shows the RAW or the JPEG of a pair as the setting says, and re-tags both on a decision', async () => {
    const dir = path.join(work, 'app');
    const photos = path.join(dir, 'photos');
    await mkdir(photos, { recursive: true });
    const modelPath = await writeColourModel(path.join(dir, 'model'));
    const yellow = await sharp({
      create: { width: 320, height: 240, channels: 3, background: { r: 235, g: 215, b: 50 } },
    })
      .jpeg()
      .toBuffer();
    await writeFile(path.join(photos, 'P1000001.DNG'), await makeDng(yellow));
    await writeFile(path.join(photos, 'P1000001.JPG'), yellow);
    const changes: EventPayload<'library:changed'>[] = [];
    const service = new AppService({
      libraryFile: path.join(dir, 'data', 'library.db'),
      dataDir: path.join(dir, 'data'),
      modelPath,
      models: { dir: path.join(dir, 'data', 'models'), catalogFile: null, mirror: null },
      workerOptions: { threads: 1, batchSize: 4 },
      urls: { thumb: (id) => `/thumb/${id}`, preview: (id) => `/preview/${id}` },
      prewarmThumbnails: false,
      onLog: () => undefined,
    });
    service.on('event', (channel, payload) => {
      EVENTS[channel].parse(payload);
      if (channel === 'library:changed') changes.push(payload as EventPayload<'library:changed'>);
    });
    try {
      await call(service, 'settings:set', { ep: 'cpu' });
      await call(service, 'library:addFolders', { paths: [photos] });
      const deadline = Date.now() + 90_000;
      for (;;) {
        const jobs = await call(service, 'jobs:list', {});
        if (jobs.some((j) => j.kind === 'tag' && j.state === 'done')) break;
        if (Date.now() > deadline) throw new Error('tagging did not finish');
        await new Promise((r) => setTimeout(r, 100));
      }
      const query = () => call(service, 'images:query', { filter: {}, offset: 0, limit: 10 });
      const shown = await query();
      expect(shown.items.map((i) => [i.name, i.companions, i.tags[0]?.tag])).toEqual([
        ['P1000001.DNG', ['P1000001.JPG'], 'yellow'],
      ]);
      const raw = shown.items[0]?.id ?? 0;
      await call(service, 'tags:setState', { imageIds: [raw], tag: 'yellow', state: 'accepted' });

      const before = changes.length;
      expect(await call(service, 'settings:set', { pairPrimary: 'jpeg' })).toMatchObject({
        pairPrimary: 'jpeg',
      });
      expect(changes.length).toBeGreaterThan(before);
      const flipped = await query();
      expect(flipped.items.map((i) => [i.name, i.companions])).toEqual([['P1000001.JPG', ['P1000001.DNG']]]);
      // The decision made on the RAW is the JPEG's too.
      expect(flipped.items[0]?.tags.find((t) => t.tag === 'yellow')).toMatchObject({ state: 'accepted' });
      const detail = await call(service, 'images:get', { imageId: flipped.items[0]?.id ?? 0 });
      expect(detail).toMatchObject({ name: 'P1000001.JPG', companions: ['P1000001.DNG'], format: 'jpeg' });
    } finally {
      await service.close();
    }
  });
});
