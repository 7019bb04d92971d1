// HEIC and camera RAW end to end in the worker process (test): real heif-enc files and DNGs with embedded previews are tagged like their JPEG source, upright, and rendered; broken ones get their own error codes.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHeif } from '../../src-main/engine/imaging/heif-decode.js';
import { WorkerSupervisor } from '../../src-main/engine/worker/worker-supervisor.js';
import { canMakeHeic, makeDng, makeHeic } from '../../src-main/engine/synth/camera-files.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { classifyAll, testModel, workItem } from '../support/worker-work.js';

let work: string;
let photos: string;
let expected: Map<string, string>;
let engine: WorkerSupervisor;
let renderer: WorkerSupervisor;
/** heif-enc is there (always on Linux, where CI installs it; macOS and Windows runners may lack it). */
const HEIC = canMakeHeic();

/** Stored 600×300: left third red, middle green, right third blue. */
async function stripes(): Promise<Buffer> {
  const w = 600;
  const h = 300;
  const pixels = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      pixels[i + (x < 200 ? 0 : x < 400 ? 1 : 2)] = 220;
    }
  }
  return sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

/** Mean RGB of the top and bottom tenth of a rendered JPEG, and its size. */
async function topAndBottom(jpeg: Uint8Array) {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const band = Math.max(1, Math.floor(info.height / 10));
  const mean = (from: number) => {
    const sum = [0, 0, 0];
    for (let y = from; y < from + band; y++) {
      for (let x = 0; x < info.width; x++) {
        for (let c = 0; c < 3; c++)
          sum[c] = (sum[c] ?? 0) + (data[(y * info.width + x) * info.channels + c] ?? 0);
      }
    }
    return sum.map((s) => Math.round(s / (band * info.width)));
  };
  return { width: info.width, height: info.height, top: mean(0), bottom: mean(info.height - band) };
}

const dominant = (rgb: number[]) => ['red', 'green', 'blue'][rgb.indexOf(Math.max(...rgb))];

const render = (file: string, size = 256) =>
  ({ kind: 'render', path: Buffer.from(file), size, maxPixels: 200_000_000 }) as const;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-camera-'));
  const model = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  const sources = await writeColourPhotos(path.join(work, 'sources'));
  await mkdir(photos);
  expected = new Map();
  for (const [name, label] of sources) {
    const source = await readFile(path.join(work, 'sources', name));
    const base = name.replace(/\.\w+$/, '');
    if (HEIC) await writeFile(path.join(photos, `${base}.heic`), await makeHeic(source));
    const jpeg = await sharp(source).jpeg({ quality: 92 }).toBuffer();
    await writeFile(path.join(photos, `${base}.dng`), await makeDng(jpeg));
    if (HEIC) expected.set(`${base}.heic`, label);
    expected.set(`${base}.dng`, label);
  }
  engine = await WorkerSupervisor.start({ model: testModel(model), onLog: () => undefined });
  renderer = await WorkerSupervisor.start({ model: null, onLog: () => undefined });
}, 180_000);

afterAll(async () => {
  await Promise.all([engine?.close(), renderer?.close()]);
  await rm(work, { recursive: true, force: true });
});

describe('HEIC and RAW in the worker', () => {
  it('tags HEIC and DNG files with the labels of their source photos, reporting their format and size', async () => {
    const names = [...expected.keys()];
    const { results, crashed } = await classifyAll(
      engine,
      names.map((name, i) => workItem(i, path.join(photos, name))),
    );
    expect(crashed).toEqual([]);
    for (const [i, name] of names.entries()) {
      const result = results.get(i);
      expect(result, name).toMatchObject({ status: 'ok', format: name.endsWith('.heic') ? 'heic' : 'dng' });
      expect(result?.predictions[0]?.label, name).toBe(expected.get(name));
    }
    // Sizes as the photo is, not as a thumbnail: red-photo is 300×200 (see writeColourPhotos).
    for (const name of ['red-photo.heic', 'red-photo.dng'].filter((n) => expected.has(n))) {
      expect(results.get(names.indexOf(name)), name).toMatchObject({ width: 300, height: 200 });
    }
  });

  it.skipIf(!HEIC)('applies a HEIC irot rotation and a RAW orientation, in tags and in renders', async () => {
    const png = await stripes();
    const heic = path.join(photos, 'rotated.heic');
    await writeFile(heic, await makeHeic(png, { irot: 90 }));
    const dng = path.join(photos, 'rotated.dng');
    await writeFile(
      dng,
      await makeDng(await sharp(png).jpeg({ quality: 92 }).toBuffer(), { orientation: 6 }),
    );
    const { results } = await classifyAll(engine, [workItem(1, heic), workItem(2, dng)]);
    expect(results.get(1)).toMatchObject({ status: 'ok', width: 300, height: 600 });
    expect(results.get(2)).toMatchObject({ status: 'ok', width: 300, height: 600 });

    // irot 90 turns anticlockwise: the right (blue) third comes on top.
    const fromHeic = await renderer.task(render(heic));
    const h = await topAndBottom(fromHeic.kind === 'render' ? fromHeic.jpeg : new Uint8Array());
    expect([h.width, h.height]).toEqual([128, 256]);
    expect([dominant(h.top), dominant(h.bottom)]).toEqual(['blue', 'red']);
    // Orientation 6 turns clockwise: the left (red) third comes on top.
    const fromRaw = await renderer.task(render(dng));
    const r = await topAndBottom(fromRaw.kind === 'render' ? fromRaw.jpeg : new Uint8Array());
    expect([r.width, r.height]).toEqual([128, 256]);
    expect([dominant(r.top), dominant(r.bottom)]).toEqual(['red', 'blue']);
  });

  it.skipIf(!HEIC)('converts a Display P3 HEIC to sRGB like the same P3 JPEG', async () => {
    const { data, info } = await sharp({
      create: { width: 320, height: 240, channels: 3, background: { r: 40, g: 170, b: 60 } },
    })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const p3 = await sharp(data, { raw: info }).withIccProfile('p3').png().toBuffer();
    const heicFile = path.join(photos, 'p3.heic');
    const jpegFile = path.join(photos, 'p3.jpg');
    await writeFile(heicFile, await makeHeic(p3));
    await writeFile(jpegFile, await sharp(p3).withIccProfile('p3').jpeg({ quality: 95 }).toBuffer());
    expect((await sharp(jpegFile).metadata()).icc).toBeDefined();
    const [a, b] = await Promise.all([renderer.task(render(heicFile)), renderer.task(render(jpegFile))]);
    const fromHeic = await sharp(a.kind === 'render' ? a.jpeg : undefined).stats();
    const fromJpeg = await sharp(b.kind === 'render' ? b.jpeg : undefined).stats();
    // Untreated P3 values read as sRGB would be off by 20+ levels in green; converted, both agree.
    for (let c = 0; c < 3; c++) {
      expect(
        Math.abs((fromHeic.channels[c]?.mean ?? 0) - (fromJpeg.channels[c]?.mean ?? 255)),
        `channel ${c}`,
      ).toBeLessThan(4);
    }
  });

  it.skipIf(!HEIC)(
    'gives broken HEIC and RAW files their own error codes, and the batch goes on',
    async () => {
      const good = await readFile(path.join(photos, 'red-photo.heic'));
      const truncated = path.join(photos, 'truncated.heic');
      await writeFile(truncated, good.subarray(0, Math.floor(good.length * 0.6)));
      const noPreview = path.join(photos, 'no-preview.dng');
      const jpeg = await sharp(path.join(work, 'sources', 'red-photo.jpg')).toBuffer();
      await writeFile(noPreview, await makeDng(jpeg, { withoutPreview: true }));
      const tiny = path.join(photos, 'tiny-preview.dng');
      await writeFile(tiny, await makeDng(await sharp(jpeg).resize(160, 120).jpeg().toBuffer()));
      const green = path.join(photos, 'green-photo.dng');
      const { results } = await classifyAll(engine, [
        workItem(1, truncated),
        workItem(2, noPreview),
        workItem(3, tiny),
        workItem(4, green),
      ]);
      expect(results.get(1)).toMatchObject({ status: 'error', errorCode: 'heif_corrupt' });
      expect(results.get(2)).toMatchObject({ status: 'error', errorCode: 'raw_no_preview' });
      expect(results.get(2)?.errorMessage).toMatch(/ThumbnailTIFF|preview/);
      expect(results.get(3)).toMatchObject({ status: 'error', errorCode: 'raw_no_preview' });
      expect(results.get(3)?.errorMessage).toMatch(/160×120/);
      expect(results.get(4)?.predictions[0]?.label).toBe('green');
      await expect(renderer.task(render(noPreview))).rejects.toMatchObject({ code: 'raw_no_preview' });
    },
  );

  it('takes the date taken from the HEIC or RAW file, whose decoded pixels or preview lost their EXIF', async () => {
    const source = await sharp(path.join(work, 'sources', 'red-photo.jpg'))
      .withExif({ IFD0: { Make: 'Test' }, IFD2: { DateTimeOriginal: '2019:07:14 10:20:30' } })
      .jpeg({ quality: 92 })
      .toBuffer();
    const dng = path.join(photos, 'dated.dng');
    await writeFile(dng, await makeDng(source, { dateTimeOriginal: '2018:05:06 07:08:09' }));
    const undated = path.join(photos, 'undated.dng');
    await writeFile(undated, await makeDng(source));
    const items = [workItem(1, dng), workItem(2, undated)];
    const heic = path.join(photos, 'dated.heic');
    if (HEIC) {
      // heif-enc carries the JPEG's EXIF into the HEIC's Exif item.
      await writeFile(heic, await makeHeic(source, { fromJpeg: true }));
      items.push(workItem(3, heic));
    }
    const { results } = await classifyAll(engine, items);
    expect(results.get(1)).toMatchObject({ status: 'ok', takenAt: '2018-05-06T07:08:09' });
    // The RAW says nothing: the preview JPEG's own date is not the RAW's word, and is not used.
    expect(results.get(2)).toMatchObject({ status: 'ok', takenAt: null });
    if (HEIC) expect(results.get(3)).toMatchObject({ status: 'ok', takenAt: '2019-07-14T10:20:30' });
  });

  it('reads RAW files whose names exiftool cannot take as text (line breaks, non-UTF-8 bytes)', async () => {
    const jpeg = await sharp(path.join(work, 'sources', 'blue-photo.webp'))
      .jpeg()
      .toBuffer();
    const newline = path.join(photos, 'two\nlines.dng');
    await writeFile(newline, await makeDng(jpeg));
    const latin1 = Buffer.concat([Buffer.from(`${photos}/caf`), Buffer.from([0xe9]), Buffer.from('.dng')]);
    await writeFile(latin1, await makeDng(jpeg));
    const { results } = await classifyAll(engine, [
      workItem(1, newline),
      { id: 2, path: latin1, display: latin1.toString('latin1') },
    ]);
    expect(results.get(1)?.predictions[0]?.label).toBe('blue');
    expect(results.get(2)?.predictions[0]?.label).toBe('blue');
  });
});

describe('HEIC thumbnail items', () => {
  it.skipIf(!HEIC)(
    'decodes the thumbnail item when it covers what is needed, else the primary image',
    async () => {
      const big = await sharp({
        create: { width: 1200, height: 900, channels: 3, background: { r: 200, g: 40, b: 40 } },
      })
        .png()
        .toBuffer();
      const heic = await makeHeic(big, { thumbnail: 400 });
      const thumb = await decodeHeif(heic, {
        maxPixels: 200_000_000,
        thumbnailSuffices: (w, h) => Math.min(w, h) >= 256,
      });
      expect(thumb).toMatchObject({ fromThumbnail: true, width: 1200, height: 900 });
      expect(await sharp(thumb.tiff).metadata()).toMatchObject({ width: 400, height: 300 });
      const full = await decodeHeif(heic, {
        maxPixels: 200_000_000,
        thumbnailSuffices: (w, h) => Math.min(w, h) >= 512,
      });
      expect(full.fromThumbnail).toBe(false);
      expect(await sharp(full.tiff).metadata()).toMatchObject({ width: 1200, height: 900 });
      await expect(decodeHeif(heic, { maxPixels: 1_000_000 })).rejects.toMatchObject({ code: 'too_large' });
    },
  );

  it.skipIf(!HEIC)('decodes transparency (flattened onto white in renders) and 10-bit HEIC', async () => {
    const w = 320;
    const h = 240;
    const rgba = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set([200, 30, 30, i % w < 160 ? 255 : 0], i * 4);
    const alphaFile = path.join(photos, 'alpha.heic');
    await writeFile(
      alphaFile,
      await makeHeic(
        await sharp(rgba, { raw: { width: w, height: h, channels: 4 } })
          .png()
          .toBuffer(),
      ),
    );
    const alpha = await decodeHeif(await readFile(alphaFile), { maxPixels: 200_000_000 });
    expect(await sharp(alpha.tiff).metadata()).toMatchObject({ channels: 4, hasAlpha: true });
    const rendered = await renderer.task(render(alphaFile, 64));
    const { data, info } = await sharp(rendered.kind === 'render' ? rendered.jpeg : undefined)
      .raw()
      .toBuffer({ resolveWithObject: true });
    const left = [...data.subarray(0, 3)];
    expect(dominant(left), `left edge ${left}`).toBe('red');
    const right = [...data.subarray((info.width - 1) * 3, info.width * 3)];
    expect(
      right.every((v) => v > 240),
      `right edge ${right}`,
    ).toBe(true);

    const green = await sharp({
      create: { width: w, height: h, channels: 3, background: { r: 40, g: 160, b: 60 } },
    })
      .png()
      .toBuffer();
    const deep = path.join(photos, 'deep.heic');
    await writeFile(deep, await makeHeic(green, { tenBit: true }));
    const { results } = await classifyAll(engine, [workItem(1, deep)]);
    expect(results.get(1)).toMatchObject({ status: 'ok', format: 'heic', width: 320, height: 240 });
    expect(results.get(1)?.predictions[0]?.label).toBe('green');
  });
});
