// Unit tests (test process): torchvision resize/crop arithmetic, normalisation, EXIF orientation, alpha, pipeline order.

import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { writeNormalisedChw } from '../../src-main/engine/imaging/normalise.js';
import {
  centreCropOffset,
  cropAxis,
  preprocessPhoto,
  resizedSize,
  roundHalfEven,
} from '../../src-main/engine/imaging/preprocess.js';
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  imagenetPreprocess,
} from '../../src-main/engine/imaging/preprocess-spec.js';
import { halvesImage } from '../support/bad-inputs.js';

const spec = imagenetPreprocess();
const PLANE = 224 * 224;
const [M0, M1, M2] = IMAGENET_MEAN;
const [S0, S1, S2] = IMAGENET_STD;
const norm = (v: number, c: 0 | 1 | 2) => (v / 255 - IMAGENET_MEAN[c]) / IMAGENET_STD[c];

async function tensorOf(bytes: Buffer, s = spec) {
  const out = new Float32Array(3 * s.cropWidth * s.cropHeight);
  const info = await preprocessPhoto(bytes, s, out, 0);
  return { out, info };
}

/** Mean of one channel over a rectangle of a CHW crop (width w). */
function regionMean(
  out: Float32Array,
  c: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  w = 224,
  h = 224,
) {
  let sum = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += out[c * w * h + y * w + x] ?? Number.NaN;
  return sum / ((x1 - x0) * (y1 - y0));
}

describe('roundHalfEven (Python round)', () => {
  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [58.5, 58],
    [17.5, 18],
    [-0.5, 0],
    [-1.5, -2],
    [2.4, 2],
    [2.6, 3],
    [16, 16],
  ])('round(%d) = %d', (x, expected) => {
    expect(roundHalfEven(x)).toBe(expected);
  });
});

describe('resizedSize (torchvision Resize(int))', () => {
  it.each([
    [640, 480, [341, 256]],
    [480, 640, [256, 341]],
    [500, 500, [256, 256]],
    [773, 512, [386, 256]],
    [4032, 3024, [341, 256]],
    [100, 80, [320, 256]],
    [256, 1000, [256, 1000]],
  ])('%d×%d → %j', (w, h, expected) => {
    expect(resizedSize(w, h, 256)).toEqual(expected);
  });

  it('is int(shorter * long / short) for any size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60000 }),
        fc.integer({ min: 1, max: 60000 }),
        fc.integer({ min: 1, max: 1024 }),
        (w, h, s) => {
          const [rw, rh] = resizedSize(w, h, s);
          const short = Math.min(w, h);
          const long = Math.max(w, h);
          const exactLong = Number((BigInt(s) * BigInt(long)) / BigInt(short));
          expect(w <= h ? [rw, rh] : [rh, rw]).toEqual([s, exactLong]);
        },
      ),
    );
  });
});

describe('centre crop (torchvision CenterCrop)', () => {
  it.each([
    [256, 224, 16],
    [341, 224, 58], // 58.5 → 58, where Math.round would say 59
    [259, 224, 18], // 17.5 → 18
    [257, 224, 16], // 16.5 → 16
    [386, 224, 81],
    [224, 224, 0],
  ])('offset(%d, %d) = %d', (size, crop, expected) => {
    expect(centreCropOffset(size, crop)).toBe(expected);
  });

  it('pads like torchvision when the crop is bigger than the image', () => {
    expect(cropAxis(200, 224)).toEqual({ start: 0, length: 200, padBefore: 12 });
    expect(cropAxis(201, 224)).toEqual({ start: 0, length: 201, padBefore: 11 });
    expect(cropAxis(341, 224)).toEqual({ start: 58, length: 224, padBefore: 0 });
  });
});

describe('normalisation', () => {
  it('maps a pure red image to ((1,0,0) - mean) / std everywhere', async () => {
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const { out, info } = await tensorOf(png);
    expect(info).toEqual({ width: 300, height: 300, format: 'png', takenAt: null, embeddedMetadata: false });
    const expected = [(1 - M0) / S0, (0 - M1) / S1, (0 - M2) / S2];
    for (let c = 0; c < 3; c++) {
      for (const i of [0, 1, PLANE / 2 + 7, PLANE - 1]) {
        expect(out[c * PLANE + i]).toBeCloseTo(expected[c] ?? Number.NaN, 5);
      }
    }
  });

  it('writes planar RGB into the given slot and pads with black', () => {
    // 2×1 region (red, blue) centred in a 4×3 crop.
    const out = new Float32Array(2 + 3 * 12 + 2).fill(99);
    writeNormalisedChw(Uint8Array.from([255, 0, 0, 0, 0, 255]), IMAGENET_MEAN, IMAGENET_STD, out, 2, {
      cropWidth: 4,
      cropHeight: 3,
      width: 2,
      height: 1,
      left: 1,
      top: 1,
    });
    expect(out[0]).toBe(99);
    expect(out[out.length - 1]).toBe(99);
    const at = (c: number, x: number, y: number) => out[2 + c * 12 + y * 4 + x];
    expect(at(0, 1, 1)).toBeCloseTo(norm(255, 0), 6);
    expect(at(2, 1, 1)).toBeCloseTo(norm(0, 2), 6);
    expect(at(0, 2, 1)).toBeCloseTo(norm(0, 0), 6);
    expect(at(2, 2, 1)).toBeCloseTo(norm(255, 2), 6);
    for (const [x, y] of [
      [0, 0],
      [3, 2],
      [0, 1],
      [3, 1],
    ] as const) {
      expect(at(1, x, y)).toBeCloseTo(norm(0, 1), 6);
    }
  });

  it('pads a custom spec whose crop is bigger than the resized image', async () => {
    const custom = { ...spec, resizeShorter: 200 };
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const { out } = await tensorOf(png, custom);
    expect(out[0]).toBeCloseTo(norm(0, 0), 5); // padding corner
    expect(out[11 * 224 + 11]).toBeCloseTo(norm(0, 0), 5);
    expect(out[12 * 224 + 12]).toBeCloseTo(norm(255, 0), 5); // first image pixel
    expect(out[211 * 224 + 211]).toBeCloseTo(norm(255, 0), 5);
    expect(out[212 * 224 + 212]).toBeCloseTo(norm(0, 0), 5);
  });

  it('produces the exact crop size for a non-square custom crop', async () => {
    const custom = { ...spec, cropWidth: 300, cropHeight: 200 };
    const { out } = await tensorOf(await halvesImage(400, 600).png().toBuffer(), custom);
    expect(out.every(Number.isFinite)).toBe(true);
    // Portrait 400×600 → 256×384; 300 wide crop pads 22 columns each side.
    expect(out[100 * 300 + 21]).toBeCloseTo(norm(0, 0), 5);
    expect(out[100 * 300 + 22]).toBeCloseTo(norm(255, 0), 5);
  });
});

describe('EXIF orientation', () => {
  // Stored: left half red, right half blue. Orientation 6 = rotate 90° clockwise to display:
  // the stored left (red) becomes the top, the stored right (blue) the bottom.
  it.each([
    ['large (shrink path)', 600, 400],
    ['small (enlarge path)', 120, 80],
  ])('rotates orientation 6 as a viewer shows it, %s', async (_name, w, h) => {
    const jpeg = await halvesImage(w, h).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const { out, info } = await tensorOf(jpeg);
    expect(info).toEqual({ width: h, height: w, format: 'jpeg', takenAt: null, embeddedMetadata: false });
    const top = { r: regionMean(out, 0, 20, 10, 204, 90), b: regionMean(out, 2, 20, 10, 204, 90) };
    const bottom = { r: regionMean(out, 0, 20, 134, 204, 214), b: regionMean(out, 2, 20, 134, 204, 214) };
    expect(top.r).toBeGreaterThan(2);
    expect(top.b).toBeLessThan(-1.5);
    expect(bottom.r).toBeLessThan(-1.5);
    expect(bottom.b).toBeGreaterThan(2);
  });

  it('orientation 8 turns the other way (blue on top)', async () => {
    const jpeg = await halvesImage(600, 400)
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 8 })
      .toBuffer();
    const { out } = await tensorOf(jpeg);
    expect(regionMean(out, 2, 20, 10, 204, 90)).toBeGreaterThan(2);
    expect(regionMean(out, 0, 20, 134, 204, 214)).toBeGreaterThan(2);
  });
});

describe('alpha', () => {
  it('flattens transparency onto white, whatever colour hides under it', async () => {
    const rgba = Buffer.alloc(300 * 300 * 4); // transparent black
    for (let i = 0; i < 300 * 150; i++) rgba.set([255, 0, 0, 128], i * 4); // top half: half-transparent red
    const png = await sharp(rgba, { raw: { width: 300, height: 300, channels: 4 } })
      .png()
      .toBuffer();
    const { out } = await tensorOf(png);
    for (let c = 0; c < 3; c++) {
      expect(regionMean(out, c, 10, 150, 214, 214)).toBeCloseTo(norm(255, c as 0 | 1 | 2), 4);
    }
    // 50% red over white ≈ (255, 127, 127).
    expect(regionMean(out, 0, 10, 10, 214, 60)).toBeCloseTo(norm(255, 0), 2);
    expect(Math.abs(regionMean(out, 1, 10, 10, 214, 60) - norm(127, 1))).toBeLessThan(0.03);
  });
});

describe('sharp pipeline order', () => {
  it('crops the resized image, not the source (extract after resize)', async () => {
    // Horizontal ramp 1000×500 → resized 512×256 → crop starts at resized column 144.
    const w = 1000;
    const h = 500;
    const ramp = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        ramp.fill(Math.round((x * 255) / (w - 1)), (y * w + x) * 3, (y * w + x) * 3 + 3);
    const { out } = await tensorOf(
      await sharp(ramp, { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toBuffer(),
    );
    const level = (x: number) => ((out[112 * 224 + x] ?? 0) * S0 + M0) * 255;
    // Resized column 144 samples source x ≈ (144.5 · 1000/512) − 0.5 ≈ 281.7, i.e. level ≈ 71.9.
    // Cropping the source first would give source column ~144 (level ≈ 37).
    expect(level(0)).toBeCloseTo((281.7 * 255) / 999, 0);
    expect(level(223)).toBeCloseTo((((367.5 * 1000) / 512 - 0.5) * 255) / 999, 0);
  });
});
