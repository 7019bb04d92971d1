// `skiptag similar` and `skiptag near-duplicates` (test): a synthesised ResNet-18 on real photos finds a resized, re-encoded copy first.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDng } from '../../src-main/engine/synth/camera-files.js';
import { buildResNet } from '../../src-main/engine/synth/resnet.js';
import { PHOTOS_DIR, runCli } from '../support/run-cli.js';

let work: string;
let photos: string;
let library: string;
const ORIGINALS = [
  'dog.jpg',
  'eagle.jpg',
  'giraffe.jpg',
  'horses.jpg',
  'kite.jpg',
  'person.jpg',
  'scream.jpg',
];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-similar-'));
  photos = path.join(work, 'photos');
  await mkdir(photos);
  for (const name of ORIGINALS) await copyFile(path.join(PHOTOS_DIR, name), path.join(photos, name));
  // The near duplicate: the eagle at 60% size, re-encoded as WebP.
  const meta = await sharp(path.join(PHOTOS_DIR, 'eagle.jpg')).metadata();
  await sharp(path.join(PHOTOS_DIR, 'eagle.jpg'))
    .resize(Math.round((meta.width ?? 500) * 0.6))
    .webp({ quality: 80 })
    .toFile(path.join(photos, 'eagle-copy.webp'));
  // A RAW+JPEG pair (the RAW's preview is the same JPEG) of a picture like no other here, stripes: one
  // photo, never its own duplicate.
  const [w, h] = [480, 320];
  const pixels = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) pixels.fill(Math.floor(i / w / 16) % 2 ? 230 : 20, i * 3, i * 3 + 3);
  const stripes = await sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
    .jpeg()
    .toBuffer();
  await writeFile(path.join(photos, 'DSC_0001.DNG'), await makeDng(stripes));
  await writeFile(path.join(photos, 'DSC_0001.JPG'), stripes);
  const model = path.join(work, 'resnet18.onnx');
  await writeFile(model, buildResNet('resnet18', { seed: 7 }));
  library = path.join(work, 'skiptag.db');
  const run = await runCli(['tag', photos, '--model', model, '--library', library, '-q']);
  expect(run.code, run.stderr).toBe(0);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('similar', () => {
  it('puts a photo’s resized, re-encoded copy first, and lists every other photo once', async () => {
    const run = await runCli([
      'similar',
      path.join(photos, 'eagle.jpg'),
      '--library',
      library,
      '--top',
      '20',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(lines[0]?.[1]).toBe(path.join(photos, 'eagle-copy.webp'));
    // The originals, the copy and the pair (once, as its RAW), less the eagle itself.
    expect(lines).toHaveLength(ORIGINALS.length + 1);
    expect(lines.map((l) => l[1])).toContain(path.join(photos, 'DSC_0001.DNG'));
    expect(lines.map((l) => l[1])).not.toContain(path.join(photos, 'DSC_0001.JPG'));
    const sims = lines.map((l) => Number(l[0]));
    expect(sims[0]).toBeGreaterThan(0.95);
    expect([...sims].sort((a, b) => b - a)).toEqual(sims);
    expect(lines.map((l) => l[1])).not.toContain(path.join(photos, 'eagle.jpg'));
  });

  it('answers in JSON and honours --top', async () => {
    const run = await runCli([
      'similar',
      path.join(photos, 'eagle-copy.webp'),
      '--library',
      library,
      '--top',
      '2',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const parsed = JSON.parse(run.stdout) as { path: string; similarity: number }[];
    expect(parsed).toHaveLength(2);
    expect(parsed[0]?.path).toBe(path.join(photos, 'eagle.jpg'));
  });

  it('takes the JPEG of a RAW+JPEG pair as the pair, and never offers the pair as its own neighbour', async () => {
    const run = await runCli(['similar', path.join(photos, 'DSC_0001.JPG'), '--library', library, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const found = (JSON.parse(run.stdout) as { path: string }[]).map((n) => n.path);
    expect(found).toHaveLength(ORIGINALS.length + 1);
    expect(found).not.toContain(path.join(photos, 'DSC_0001.DNG'));
    expect(found).not.toContain(path.join(photos, 'DSC_0001.JPG'));
  });

  it('says what to do for a photo that is not in the library, and for bad options', async () => {
    const outside = path.join(work, 'elsewhere.jpg');
    await copyFile(path.join(PHOTOS_DIR, 'dog.jpg'), outside);
    const run = await runCli(['similar', outside, '--library', library]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('is not in the library');
    const bad = await runCli(['similar', outside, '--library', library, '--top', '0']);
    expect(bad.stderr).toContain('--top must be');
  });
});

describe('near-duplicates', () => {
  // Random weights make every photo's features alike (cosines 0.84–0.99 here; trained ones spread far
  // more), so the duplicate threshold for this model is 0.999: the copy scores 0.9997 or more.
  it('groups the photo with its copy and nothing else', async () => {
    const run = await runCli([
      'near-duplicates',
      '--library',
      library,
      '--min-similarity',
      '0.999',
      '--json',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const groups = JSON.parse(run.stdout) as string[][];
    expect(groups).toEqual([[path.join(photos, 'eagle-copy.webp'), path.join(photos, 'eagle.jpg')]]);
  });

  it('links everything into one group at similarity 0 (features after ReLU are never opposed)', async () => {
    const run = await runCli(['near-duplicates', '--library', library, '--min-similarity', '0']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(ORIGINALS.length + 2);
    expect(run.stderr).toContain('1 groups of near duplicates among 9 photos');
  });
});
