// Integration tests for embedded keywords (engine): real exiftool on JPEG/PNG/WebP/TIFF; pixels, times, kill safety.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmod,
  copyFile,
  link as link_,
  lstat,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { statSeen } from '../../src-main/engine/jobs/scan-decision.js';
import { Library } from '../../src-main/engine/library/library.js';
import { writeTagsForImages } from '../../src-main/engine/xmp/write-tags.js';

const ROOT = path.resolve('.');
const PHOTOS = path.join(ROOT, 'test', 'fixtures', 'photos');
const MTIME = new Date('2020-05-17T10:00:00.000Z');
let exiftool: ExifTool;
let dir: string;
let dbFile: string;
let library: Library;
let modelId: number;

beforeAll(() => {
  exiftool = new ExifTool({ maxProcs: 1 });
});
afterAll(async () => exiftool.end());
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-xmp-embed-'));
  dbFile = path.join(dir, 'library.db');
  library = Library.open(dbFile);
  modelId = library.ensureModel('model-sha', 'resnet50.onnx');
});
afterEach(async () => {
  library.close();
  await rm(dir, { recursive: true, force: true });
});

/** A photo (old mtime, mode 640) classified and in the library, as a scan would have left it. */
async function addPhoto(
  file: string,
  format: string,
  predictions: [string, string, number][] = [],
): Promise<number> {
  await chmod(file, 0o640);
  await utimes(file, MTIME, MTIME);
  const seen = await statSeen(Buffer.from(file), file);
  const id = library.insertImage(seen, null, 1).id;
  library.recordSuccess(id, {
    modelId,
    provider: 'cpu',
    classifiedAt: '2026-01-01T00:00:00.000Z',
    sha256: createHash('sha256')
      .update(await readFile(file))
      .digest('hex'),
    size: seen.size,
    format,
    width: 8,
    height: 8,
    predictions: predictions.map(([label, wnid, score], index) => ({ index, label, wnid, score })),
  });
  return id;
}

async function makeImage(name: string, format: 'png' | 'webp' | 'tiff' | 'gif'): Promise<string> {
  const file = path.join(dir, name);
  const pixels = Buffer.alloc(16 * 12 * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
  await sharp(pixels, { raw: { width: 16, height: 12, channels: 3 } })
    .toFormat(format, format === 'webp' ? { lossless: true } : {})
    .toFile(file);
  return file;
}

async function pixels(file: string): Promise<string> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  return `${info.width}x${info.height}x${info.channels} ${createHash('sha256').update(data).digest('hex')}`;
}

async function metadata(file: string): Promise<Record<string, unknown>> {
  const raw = (await exiftool.readRaw(file, {
    readArgs: ['-G1', '-api', 'StructFormat=JSONQ', '-XMP:all', '-IPTC:all'],
  })) as unknown as Record<string, unknown>;
  const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return {
    ...raw,
    subject: list(raw['XMP-dc:Subject']),
    iptc: list(raw['IPTC:Keywords']),
    hierarchical: list(raw['XMP-lr:HierarchicalSubject']),
  };
}

const temps = async () => (await readdir(dir)).filter((name) => name.includes('.skiptag-'));

describe('embedded keywords', () => {
  it.each([
    ['dog.jpg', 'jpeg', true],
    ['square.png', 'png', false],
    ['square.webp', 'webp', false],
    ['square.tif', 'tiff', true],
  ] as const)(
    'round-trips non-ASCII tags in %s with identical pixels, times and mode',
    async (name, format, iptc) => {
      const file = path.join(dir, name);
      if (name === 'dog.jpg') await copyFile(path.join(PHOTOS, name), file);
      else await makeImage(name, format as 'png' | 'webp' | 'tiff');
      const id = await addPhoto(file, format, [['tabby', 'n02123045', 0.9]]);
      library.setTagState([id], 'café', 'accepted');
      library.setTagState([id], '狗', 'accepted');
      const pixelsBefore = await pixels(file);

      const [result] = await writeTagsForImages(library, [id], { mode: 'embed' });
      expect(result).toMatchObject({ action: 'written', file });
      const after = await metadata(file);
      expect(after.subject).toEqual(['café', '狗', 'tabby']);
      expect(after.iptc).toEqual(iptc ? ['café', '狗', 'tabby'] : []);
      // The user's own keywords are plain keywords; only the model's tag gets a path in Skiptag's branch.
      expect(after.hierarchical).toEqual([expect.stringMatching(/^Skiptag\|.*tabby$/)]);
      expect(await pixels(file)).toBe(pixelsBefore);
      const info = await stat(file);
      expect(info.mtime.getTime()).toBe(MTIME.getTime());
      expect(info.mode & 0o777).toBe(0o640);
      expect(await temps()).toEqual([]);
      if (name === 'dog.jpg') {
        // The camera's metadata is all still there.
        expect(after).toMatchObject({ 'XMP-tiff:Make': 'Canon', 'IPTC:DateCreated': '2014:09:19' });
      }
      // The library knows the new file: the next scan sees it unchanged.
      const seen = await statSeen(Buffer.from(file), file);
      expect(library.getImage(id)).toMatchObject({
        status: 'ok',
        size: seen.size,
        mtimeMs: seen.mtimeMs,
        devIno: seen.devIno,
        sha256: createHash('sha256')
          .update(await readFile(file))
          .digest('hex'),
      });
      const [again] = await writeTagsForImages(library, [id], { mode: 'embed' });
      expect(again?.action).toBe('unchanged');
    },
  );

  it("converts a Latin-1 IPTC record to UTF-8 and removes only Skiptag's keywords on rejection", async () => {
    const file = path.join(dir, 'latin.jpg');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: 'blue' } })
      .jpeg()
      .toFile(file);
    // Latin-1, as older tools write IPTC (no CodedCharacterSet).
    const latin: Record<string, unknown> = { 'IPTC:Keywords': ['Paris'], 'IPTC:Caption-Abstract': 'Öl' };
    await exiftool.write(file, latin, { writeArgs: ['-overwrite_original'] });
    const id = await addPhoto(file, 'jpeg', [['tabby', 'n02123045', 0.9]]);
    library.setTagState([id], '狗', 'accepted');
    await writeTagsForImages(library, [id], { mode: 'embed' });
    expect(await metadata(file)).toMatchObject({
      iptc: ['Paris', '狗', 'tabby'],
      'IPTC:Caption-Abstract': 'Öl',
      'IPTC:CodedCharacterSet': 'UTF8',
    });

    library.setTagState([id], '狗', 'rejected');
    library.setTagState([id], 'tabby', 'rejected');
    const [result] = await writeTagsForImages(library, [id], { mode: 'embed' });
    expect(result?.removed).toEqual(expect.arrayContaining(['狗', 'tabby']));
    expect(await metadata(file)).toMatchObject({ iptc: ['Paris'], subject: [], hierarchical: [] });
  });

  it('skips read-only files, unclassified or changed photos and formats it cannot embed into; dry runs write nothing', async () => {
    const readOnly = await makeImage('ro.png', 'png');
    const failedPhoto = await makeImage('failed.png', 'png');
    const changed = await makeImage('changed.png', 'png');
    const gif = await makeImage('anim.gif', 'gif');
    const dry = await makeImage('dry.png', 'png');
    const ids = [];
    for (const [file, format] of [
      [readOnly, 'png'],
      [failedPhoto, 'png'],
      [changed, 'png'],
      [gif, 'gif'],
      [dry, 'png'],
    ] as const) {
      const id = await addPhoto(file, format);
      library.setTagState([id], 'café', 'accepted');
      ids.push(id);
    }
    await chmod(readOnly, 0o444);
    library.recordFailure(ids[1] as number, { code: 'corrupt', message: 'bad' }, 'error');
    await writeFile(changed, 'more bytes', { flag: 'a' });
    const before = await Promise.all([readOnly, dry].map((f) => readFile(f)));

    const results = await writeTagsForImages(library, ids, { mode: 'embed', dryRun: true });
    expect(results.map((r) => [r.action, r.reason])).toEqual([
      ['skipped', 'read-only: skipped'],
      ['skipped', 'status error: skipped'],
      ['skipped', 'changed since it was tagged: run skiptag tag first'],
      ['skipped', 'cannot embed keywords in gif format'],
      ['written', 'dry run'],
    ]);
    expect(results[4]?.added).toEqual(['café']);
    expect((await readFile(readOnly)).equals(before[0] as Buffer)).toBe(true);
    expect((await readFile(dry)).equals(before[1] as Buffer)).toBe(true);
    expect((await stat(dry)).mtime.getTime()).toBe(MTIME.getTime());
    expect(library.xmpWritten(ids[4] as number)).toEqual([]);
  });

  it('writes through a symbolic link into the real file, and refuses hard-linked files', async () => {
    const real = await makeImage('real.png', 'png');
    const link = path.join(dir, 'link.png');
    await symlink(real, link);
    const linked = await makeImage('linked.png', 'png');
    await link_(linked, path.join(dir, 'second-name.png'));
    const ids = [await addPhoto(link, 'png'), await addPhoto(linked, 'png')];
    for (const id of ids) library.setTagState([id], 'café', 'accepted');
    const linkedBytes = await readFile(linked);

    const results = await writeTagsForImages(library, ids, { mode: 'embed' });
    expect(results.map((r) => [r.action, r.reason, r.file])).toEqual([
      ['written', undefined, link],
      ['skipped', 'the file has other hard links: skipped', undefined],
    ]);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect((await metadata(real)).subject).toEqual(['café']);
    expect((await readFile(linked)).equals(linkedBytes)).toBe(true);
  });

  it('leaves the original intact when the write fails after the copy, and cleans up its temp', async () => {
    const file = path.join(dir, 'dog.jpg');
    await copyFile(path.join(PHOTOS, 'dog.jpg'), file);
    const id = await addPhoto(file, 'jpeg', [['tabby', 'n02123045', 0.9]]);
    const original = await readFile(file);
    const [result] = await writeTagsForImages(library, [id], {
      mode: 'embed',
      hooks: {
        beforeReplace: () => {
          throw new Error('simulated crash');
        },
      },
    });
    expect(result).toMatchObject({ action: 'skipped', reason: 'failed: simulated crash' });
    expect((await readFile(file)).equals(original)).toBe(true);
    expect(await temps()).toEqual([]);
    expect(library.xmpWritten(id)).toEqual([]);
  });

  it('leaves the original intact when killed before the rename; the next run removes the stray temp', async () => {
    const file = path.join(dir, 'dog.jpg');
    await copyFile(path.join(PHOTOS, 'dog.jpg'), file);
    const id = await addPhoto(file, 'jpeg', [['tabby', 'n02123045', 0.9]]);
    const original = await readFile(file);
    // A separate process (the built engine) that stops right before the rename, and is killed there.
    const script = path.join(dir, 'writer.mjs');
    await writeFile(
      script,
      `const { Library } = await import(${JSON.stringify(`${ROOT}/out/src-main/engine/library/library.js`)});
       const { writeTagsForImages } = await import(${JSON.stringify(`${ROOT}/out/src-main/engine/xmp/write-tags.js`)});
       const library = Library.open(${JSON.stringify(dbFile)});
       await writeTagsForImages(library, [${id}], { mode: 'embed', hooks: { beforeReplace: (temp) => {
         setInterval(() => undefined, 1000);
         process.stdout.write('READY ' + temp + '\\n');
         return new Promise(() => undefined);
       } } });`,
    );
    // Its own process group: the kill takes the writer and its exiftool child down together, like a crash
    // of the whole app (a lone perl orphan would linger, waiting on a pipe nobody writes to).
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    const temp = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /READY (.+)\n/.exec(out);
        if (match) resolve(match[1] as string);
      });
      child.on('exit', (code) => reject(new Error(`writer exited early (${code})`)));
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    process.kill(-(child.pid as number), 'SIGKILL');
    await exited;

    expect((await readFile(file)).equals(original)).toBe(true);
    expect(await temps()).toEqual([path.basename(temp)]);
    expect(library.xmpWritten(id)).toEqual([]);

    const [result] = await writeTagsForImages(library, [id], { mode: 'embed' });
    expect(result?.action).toBe('written');
    expect(await temps()).toEqual([]);
    expect((await metadata(file)).subject).toEqual(['tabby']);
  });
});
