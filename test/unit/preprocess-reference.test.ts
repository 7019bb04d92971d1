// Unit test (test process): preprocessPhoto against an independent PIL/torchvision reference on real photos.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { preprocessPhoto } from '../../src-main/engine/imaging/preprocess.js';
import { imagenetPreprocess } from '../../src-main/engine/imaging/preprocess-spec.js';
import {
  decodeFullRgb,
  meanAbsDiffLevels,
  referenceTensor,
  referenceTensorFromRgb,
  type ReferenceOptions,
  type RgbImage,
} from '../support/pil-reference.js';

/**
 * Largest allowed mean |ours − reference| in 8-bit levels. Measured: 0.13–0.4 on photos (JPEG
 * shrink-on-load vs a full decode; libvips' box pre-shrink vs PIL's pure triangle), 0 for enlarged images.
 * A one-pixel crop shift already costs 6–25 levels, a BGR swap 15–35, a 16 px shift 23–48, no Normalize
 * 30–57, a non-antialiased resize 2–10 (on photos shrunk ≥ 1.5×).
 */
const MAX_MEAN_LEVELS = 1.0;

const spec = imagenetPreprocess();
// Real photos from Debian's darknet package, shipped in the repository (see ATTRIBUTION.md there).
const DARKNET = fileURLToPath(new URL('../fixtures/photos', import.meta.url));
const PHOTOS = ['dog', 'eagle', 'giraffe', 'horses', 'kite', 'person', 'scream'];

async function ours(bytes: Buffer): Promise<Float32Array> {
  const out = new Float32Array(3 * 224 * 224);
  await preprocessPhoto(bytes, spec, out, 0);
  return out;
}

describe('matches the torchvision reference on real photos', () => {
  const decoded = new Map<string, { bytes: Buffer; rgb: RgbImage; tensor: Float32Array }>();

  beforeAll(async () => {
    for (const name of PHOTOS) {
      const bytes = readFileSync(`${DARKNET}/${name}.jpg`);
      decoded.set(name, { bytes, rgb: await decodeFullRgb(bytes), tensor: await ours(bytes) });
    }
  });

  it.each(PHOTOS)('%s.jpg', (name) => {
    const photo = decoded.get(name);
    if (!photo) throw new Error('not decoded');
    const diff = meanAbsDiffLevels(photo.tensor, referenceTensorFromRgb(photo.rgb, spec), spec.std);
    console.log(`${name}.jpg: mean |ours − reference| = ${diff.toFixed(3)} levels`);
    expect(diff).toBeLessThan(MAX_MEAN_LEVELS);
  });

  // The threshold is only meaningful if the mistakes it must catch blow through it.
  it.each<[string, ReferenceOptions, number]>([
    ['BGR channel order', { bgr: true }, 10],
    ['crop shifted by 16 px', { shiftCrop: 16 }, 10],
    ['crop shifted by 1 px', { shiftCrop: 1 }, 5],
    ['missing Normalize', { skipNormalise: true }, 20],
  ])('a pipeline with %s is far outside the threshold', (_what, options, factor) => {
    for (const name of PHOTOS) {
      const photo = decoded.get(name);
      if (!photo) throw new Error('not decoded');
      const wrong = referenceTensorFromRgb(photo.rgb, spec, options);
      expect(meanAbsDiffLevels(photo.tensor, wrong, spec.std), name).toBeGreaterThan(
        factor * MAX_MEAN_LEVELS,
      );
    }
  });

  it('a non-antialiased resize is outside the threshold on every photo shrunk ≥ 1.5×', () => {
    for (const name of PHOTOS.filter((n) => n !== 'scream')) {
      const photo = decoded.get(name);
      if (!photo) throw new Error('not decoded');
      const wrong = referenceTensorFromRgb(photo.rgb, spec, { antialias: false });
      expect(meanAbsDiffLevels(photo.tensor, wrong, spec.std), name).toBeGreaterThan(2 * MAX_MEAN_LEVELS);
    }
  });

  it('stays within the threshold for a 7 MP JPEG (shrink-on-load by 4) in all 8 orientations', async () => {
    const big = await sharp(decoded.get('dog')?.bytes).resize(3072, 2304).jpeg({ quality: 90 }).toBuffer();
    for (let orientation = 1; orientation <= 8; orientation++) {
      const bytes = await sharp(big).jpeg({ quality: 90 }).withMetadata({ orientation }).toBuffer();
      const diff = meanAbsDiffLevels(await ours(bytes), await referenceTensor(bytes, spec), spec.std);
      if (orientation === 1) console.log(`7 MP JPEG: mean |ours − reference| = ${diff.toFixed(3)} levels`);
      expect(diff, `orientation ${orientation}`).toBeLessThan(MAX_MEAN_LEVELS);
    }
  });

  it('stays within the threshold for a 17 MP JPEG (shrink-on-load by 8)', async () => {
    const bytes = await sharp(decoded.get('giraffe')?.bytes)
      .resize(4104, 4104)
      .jpeg({ quality: 90 })
      .toBuffer();
    const diff = meanAbsDiffLevels(await ours(bytes), await referenceTensor(bytes, spec), spec.std);
    console.log(`17 MP JPEG: mean |ours − reference| = ${diff.toFixed(3)} levels`);
    expect(diff).toBeLessThan(MAX_MEAN_LEVELS);
  });

  it('is bit-exact with PIL for images that must be enlarged, in all 8 orientations', async () => {
    const small = await sharp(decoded.get('eagle')?.bytes).resize(150, 230, { fit: 'fill' }).png().toBuffer();
    for (let orientation = 1; orientation <= 8; orientation++) {
      const bytes = await sharp(small).jpeg({ quality: 90 }).withMetadata({ orientation }).toBuffer();
      const diff = meanAbsDiffLevels(await ours(bytes), await referenceTensor(bytes, spec), spec.std);
      expect(diff, `orientation ${orientation}`).toBeLessThan(1e-3);
    }
  });
});

describe('synthetic detail', () => {
  it('antialiases fine stripes the way PIL does', async () => {
    const w = 1024;
    const h = 768;
    const stripes = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let c = 0; c < 3; c++) stripes[(y * w + x) * 3 + c] = ((x >> 1) + (y >> 2) + c) % 2 ? 255 : 0;
      }
    }
    const bytes = await sharp(stripes, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer();
    const rgb = await decodeFullRgb(bytes);
    const tensor = await ours(bytes);
    expect(meanAbsDiffLevels(tensor, referenceTensorFromRgb(rgb, spec), spec.std)).toBeLessThan(
      MAX_MEAN_LEVELS,
    );
    expect(
      meanAbsDiffLevels(tensor, referenceTensorFromRgb(rgb, spec, { antialias: false }), spec.std),
    ).toBeGreaterThan(20 * MAX_MEAN_LEVELS);
  });
});
