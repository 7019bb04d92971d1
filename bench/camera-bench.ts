// Camera-format benchmark (bench, engine code): classification decodes of 12 MP HEIC (thumbnail item and full image) and RAW previews, images/s and peak RSS, each case in its own process.
// `npm run build && node out/bench/camera-bench.js [--root DIR]`

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { loadAndPreprocess } from '../src-main/engine/imaging/photo-input.js';
import { imagenetPreprocess } from '../src-main/engine/imaging/preprocess-spec.js';
import { closeRawPreviewReader } from '../src-main/engine/imaging/raw-preview.js';
import { makeDng, makeHeic } from '../src-main/engine/synth/camera-files.js';

const { values } = parseArgs({
  options: {
    root: { type: 'string' },
    case: { type: 'string' },
    file: { type: 'string' },
    images: { type: 'string' },
  },
});
const root = values.root ?? path.join(os.tmpdir(), 'skiptag-bench', 'camera-v1');
const here = fileURLToPath(import.meta.url);
const REPO = path.resolve(path.dirname(here), '..', '..');

interface CaseResult {
  images: number;
  seconds: number;
  peakRssMb: number;
  width: number;
  height: number;
}

/** 4032×3024 (an iPhone's 12 MP) from a test photo, with sensor-like noise so codecs work as on real photos. */
async function cameraSizedJpeg(): Promise<Buffer> {
  const { data, info } = await sharp(path.join(REPO, 'test', 'fixtures', 'photos', 'dog.jpg'))
    .resize(4032, 3024, { fit: 'cover' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let seed = 12345;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = Math.max(0, Math.min(255, (data[i] ?? 0) + ((seed >>> 24) % 13) - 6));
  }
  return sharp(data, { raw: info }).jpeg({ quality: 90 }).toBuffer();
}

/** The three files, made once (encoding 12 MP with x265 takes a while on two cores). */
async function ensureFiles(): Promise<Record<'heicThumb' | 'heicFull' | 'raw', string>> {
  const files = {
    heicThumb: path.join(root, 'iphone-12mp-thumb512.heic'),
    heicFull: path.join(root, 'iphone-12mp-nothumb.heic'),
    raw: path.join(root, 'camera-12mp-preview.dng'),
  };
  if (Object.values(files).every((f) => existsSync(f))) return files;
  await mkdir(root, { recursive: true });
  console.log(`generating 12 MP HEIC and DNG files under ${root} (once)...`);
  const jpeg = await cameraSizedJpeg();
  // iPhones store a 4:3 thumbnail item; 512 px long side gives a 384 px short side, enough for classification.
  await writeFile(files.heicThumb, await makeHeic(jpeg, { quality: 80, thumbnail: 512 }));
  await writeFile(files.heicFull, await makeHeic(jpeg, { quality: 80 }));
  // Most cameras embed a full-size JPEG preview (JpgFromRaw / PreviewImage).
  await writeFile(files.raw, await makeDng(jpeg, { orientation: 6 }));
  return files;
}

/** Child process: classification decodes of one file, sequentially (the wasm decode is single-threaded). */
async function runCase(file: string, images: number): Promise<CaseResult> {
  const spec = imagenetPreprocess();
  const out = new Float32Array(3 * 224 * 224);
  // One warm-up: loads the wasm module or starts exiftool, as the worker does once.
  const first = await loadAndPreprocess(file, spec, out, 0);
  const started = performance.now();
  for (let i = 0; i < images; i++) await loadAndPreprocess(file, spec, out, 0);
  const seconds = (performance.now() - started) / 1000;
  await closeRawPreviewReader();
  return {
    images,
    seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    width: first.width,
    height: first.height,
  };
}

async function main(): Promise<void> {
  if (values.case !== undefined) {
    const result = await runCase(values.file ?? '', Number(values.images ?? 5));
    console.log(JSON.stringify(result));
    return;
  }
  const files = await ensureFiles();
  const cases = [
    { name: '12 MP HEIC, thumbnail item (512×384)', file: files.heicThumb, images: 40 },
    { name: '12 MP HEIC, full image', file: files.heicFull, images: 5 },
    { name: '12 MP RAW (DNG), full-size JPEG preview', file: files.raw, images: 20 },
  ];
  console.log('camera formats: classification decode (read, decode, preprocess to 224²), one at a time');
  console.log(`${'case'.padEnd(42)} ${'images/s'.padStart(9)} ${'peak RSS'.padStart(9)}  size`);
  for (const c of cases) {
    const output = execFileSync(
      process.execPath,
      [here, '--case', c.name, '--file', c.file, '--images', String(c.images)],
      { encoding: 'utf8' },
    );
    const result = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as CaseResult;
    console.log(
      `${c.name.padEnd(42)} ${(result.images / result.seconds).toFixed(2).padStart(9)} ${`${result.peakRssMb.toFixed(0)} MB`.padStart(9)}  ${result.width}×${result.height}, ${((await readFile(c.file)).length / 1e6).toFixed(1)} MB file`,
    );
  }
}

await main();
