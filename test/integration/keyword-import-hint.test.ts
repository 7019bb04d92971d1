// Keyword import hint (test): the decoder says whether a photo holds XMP or IPTC, and keyword import reads with exiftool only photos that may hold keywords.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAndPreprocess } from '../../src-main/engine/imaging/photo-input.js';
import { imagenetPreprocess } from '../../src-main/engine/imaging/preprocess-spec.js';
import { KeywordImporter } from '../../src-main/engine/jobs/result-writer.js';
import { Library } from '../../src-main/engine/library/library.js';
import { writeColourModel } from '../support/colour-photos.js';
import { runCli } from '../support/run-cli.js';

let dir: string;
let photos: string;
let exiftool: ExifTool;
const write = (file: string, tags: Record<string, unknown>) =>
  exiftool.write(file, tags, { writeArgs: ['-overwrite_original'] });

async function plainJpeg(file: string, red = 200): Promise<void> {
  await sharp({ create: { width: 320, height: 240, channels: 3, background: { r: red, g: 40, b: 30 } } })
    .jpeg()
    .toFile(file);
}

beforeAll(async () => {
  exiftool = new ExifTool({ maxProcs: 1 });
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-keyword-hint-'));
  photos = path.join(dir, 'photos');
  await mkdir(photos);
  await plainJpeg(path.join(photos, 'plain.jpg'));
  await plainJpeg(path.join(photos, 'xmp.jpg'));
  await write(path.join(photos, 'xmp.jpg'), { 'XMP-dc:Subject': ['Urlaub'] });
  await plainJpeg(path.join(photos, 'iptc.jpg'));
  await write(path.join(photos, 'iptc.jpg'), { 'IPTC:Keywords': ['Paris'] });
  await plainJpeg(path.join(photos, 'sidecar.jpg'));
  await write(path.join(photos, 'sidecar.jpg.xmp'), { 'XMP-dc:Subject': ['beach'] });
  await sharp({ create: { width: 320, height: 240, channels: 3, background: 'navy' } })
    .png()
    .toFile(path.join(photos, 'xmp.png'));
  await write(path.join(photos, 'xmp.png'), { 'XMP-dc:Subject': ['harbour'] });
  await sharp({ create: { width: 320, height: 240, channels: 3, background: 'olive' } })
    .png()
    .toFile(path.join(photos, 'plain.png'));
  await sharp({ create: { width: 320, height: 240, channels: 3, background: 'teal' } })
    .png()
    .toFile(path.join(photos, 'iptc.png'));
  await write(path.join(photos, 'iptc.png'), { 'IPTC:Keywords': ['lighthouse'] });
});

afterAll(async () => {
  await exiftool.end();
  await rm(dir, { recursive: true, force: true });
});

async function hint(name: string): Promise<boolean | null> {
  const out = new Float32Array(3 * 224 * 224);
  return (await loadAndPreprocess(path.join(photos, name), imagenetPreprocess(), out, 0)).embeddedMetadata;
}

describe('the keyword import hint', () => {
  it('says whether a JPEG or PNG holds XMP or IPTC, and leaves formats it cannot see into unknown', async () => {
    expect(await hint('plain.jpg')).toBe(false);
    expect(await hint('xmp.jpg')).toBe(true);
    expect(await hint('iptc.jpg')).toBe(true);
    expect(await hint('plain.png')).toBe(false);
    expect(await hint('xmp.png')).toBe(true);
    // exiftool writes IPTC into a PNG as a "Raw profile type iptc" text chunk, which libvips does not report.
    expect(await hint('iptc.png')).toBe(true);
    const gif = path.join(dir, 'plain.gif');
    await sharp({ create: { width: 32, height: 32, channels: 3, background: 'red' } })
      .gif()
      .toFile(gif);
    const out = new Float32Array(3 * 224 * 224);
    expect((await loadAndPreprocess(gif, imagenetPreprocess(), out, 0)).embeddedMetadata).toBeNull();
  });

  it('reads a photo only when it may hold keywords; its sidecar always', async () => {
    const library = Library.open(path.join(dir, 'importer.db'));
    try {
      // The same photo with keywords inside, told three ways: the importer trusts the hint.
      const copies = ['told-none.jpg', 'told-some.jpg', 'not-told.jpg', 'told-none-sidecar.jpg'];
      const ids = new Map<string, number>();
      for (const [i, name] of copies.entries()) {
        const file = path.join(dir, name);
        await copyFile(path.join(photos, 'xmp.jpg'), file);
        ids.set(
          name,
          library.insertImage(
            { path: Buffer.from(file), display: file, size: 1, mtimeMs: 1, devIno: `9:${i}` },
            null,
            1,
          ).id,
        );
      }
      await write(path.join(dir, 'told-none-sidecar.jpg.xmp'), { 'XMP-dc:Subject': ['beach'] });
      const importer = new KeywordImporter(library);
      const add = (name: string, hinted: boolean | null) =>
        importer.add(ids.get(name) ?? -1, Buffer.from(path.join(dir, name)), path.join(dir, name), hinted);
      add('told-none.jpg', false);
      add('told-some.jpg', true);
      add('not-told.jpg', null);
      add('told-none-sidecar.jpg', false);
      await importer.close();
      const userTags = (name: string) =>
        library
          .tagsForImage(ids.get(name) ?? -1)
          .filter((t) => t.source === 'user')
          .map((t) => t.tag);
      expect(userTags('told-none.jpg')).toEqual([]);
      expect(userTags('told-some.jpg')).toEqual(['Urlaub']);
      expect(userTags('not-told.jpg')).toEqual(['Urlaub']);
      expect(userTags('told-none-sidecar.jpg')).toEqual(['beach']);
      expect(importer.failures).toBe(0);
    } finally {
      library.close();
    }
  });

  it('still imports every keyword when `tag` classifies the folder', async () => {
    const model = await writeColourModel(path.join(dir, 'model'));
    const library = path.join(dir, 'tag.db');
    const run = await runCli(['tag', photos, '--model', model, '--library', library, '-q']);
    expect(run.code, run.stderr).toBe(0);
    const db = Library.open(library);
    try {
      const userTags = (name: string) => {
        const image = db.getImageByPath(Buffer.from(path.join(photos, name)));
        return (db.imageDetail(image?.id ?? -1)?.tags ?? [])
          .filter((t) => t.source === 'user')
          .map((t) => t.tag);
      };
      expect(userTags('plain.jpg')).toEqual([]);
      expect(userTags('xmp.jpg')).toEqual(['Urlaub']);
      expect(userTags('iptc.jpg')).toEqual(['Paris']);
      expect(userTags('sidecar.jpg')).toEqual(['beach']);
      expect(userTags('xmp.png')).toEqual(['harbour']);
      expect(userTags('iptc.png')).toEqual(['lighthouse']);
      expect(userTags('plain.png')).toEqual([]);
    } finally {
      db.close();
    }
  });
});
