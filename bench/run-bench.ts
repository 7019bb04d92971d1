// Benchmark driver (bench): `npm run bench -- [folder]` prints decode, inference and end-to-end images/s and peak RSS.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { findPackageRoot } from '../src-main/engine/package-root.js';
import { buildResNet } from '../src-main/engine/synth/resnet.js';
import type { CaseResult } from './bench-case.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    images: { type: 'string' },
    batches: { type: 'string' },
    models: { type: 'string' },
    threads: { type: 'string' },
    ep: { type: 'string' },
  },
});
const images = Number(values.images ?? 64);
const batches = (values.batches ?? '1,8,32').split(',').map(Number);
const models = (values.models ?? 'resnet50,resnet18').split(',') as ('resnet18' | 'resnet50')[];
const cacheDir = path.join(os.tmpdir(), 'skiptag-bench');
const caseScript = fileURLToPath(new URL('./bench-case.js', import.meta.url));

/**
 * Large camera-sized JPEGs (4032×3024, like a phone's 12 MP) made from the real test photos, cached between
 * runs. Upscaled photos are unnaturally smooth and decode far faster than real ones, so sensor-like noise
 * is added to give the JPEG decoder a realistic amount of detail (~4 MB per file, like a phone's).
 */
async function benchPhotos(): Promise<string> {
  const dir = path.join(cacheDir, 'photos-12mp-v2');
  await mkdir(dir, { recursive: true });
  const existing = (await readdir(dir)).filter((f) => f.endsWith('.jpg'));
  if (existing.length >= 24) return dir;
  const sources = path.join(await findPackageRoot(), 'test', 'fixtures', 'photos');
  const files = (await readdir(sources)).filter((f) => f.endsWith('.jpg')).sort();
  for (let i = 0; i < 24; i++) {
    const source = path.join(sources, files[i % files.length] as string);
    const { data, info } = await sharp(source)
      .resize(4032, 3024, { fit: 'cover' })
      .modulate({ brightness: 0.9 + (i % 5) * 0.05 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    let seed = 0x9e3779b9 ^ i;
    for (let p = 0; p < data.length; p++) {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      data[p] = Math.max(0, Math.min(255, (data[p] ?? 0) + ((seed >>> 24) % 29) - 14));
    }
    await sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
      .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
      .toFile(path.join(dir, `photo-${String(i).padStart(2, '0')}.jpg`));
  }
  return dir;
}

async function benchModel(name: 'resnet18' | 'resnet50'): Promise<string> {
  const file = path.join(cacheDir, `${name}.onnx`);
  if (!existsSync(file)) {
    await mkdir(cacheDir, { recursive: true });
    await writeFile(file, buildResNet(name, { seed: 1 }));
  }
  return file;
}

function runCase(args: string[]): CaseResult {
  const out = execFileSync(process.execPath, [caseScript, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = out.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as CaseResult;
}

function row(cells: (string | number)[]): string {
  return cells.map((c, i) => String(c).padEnd(i === 0 ? 16 : 10)).join(' ');
}

async function main(): Promise<void> {
  const folder = positionals[0] ? path.resolve(positionals[0]) : await benchPhotos();
  const threadArgs = [...(values.threads ? ['--threads', values.threads] : []), '--ep', values.ep ?? 'cpu'];
  console.log(
    `Skiptag benchmark: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`,
  );
  console.log(`photos: ${folder}; ${images} images per case; execution provider ${values.ep ?? 'cpu'}\n`);
  const decode = runCase(['--mode', 'decode', '--folder', folder, '--images', String(images)]);
  console.log(row(['case', 'batch', 'images/s', 'peak RSS', 'limit %']));
  console.log(
    row(['decode only', '-', decode.imagesPerSecond.toFixed(1), `${decode.peakRssMb.toFixed(0)} MB`, '']),
  );
  for (const name of models) {
    const model = await benchModel(name);
    for (const batch of batches) {
      const common = [
        '--model',
        model,
        '--batch',
        String(batch),
        '--folder',
        folder,
        '--images',
        String(images),
        ...threadArgs,
      ];
      const infer = runCase(['--mode', 'infer', ...common]);
      const e2e = runCase(['--mode', 'e2e', ...common]);
      // On the CPU, decode and inference share the same cores, so the best end-to-end rate is
      // 1/(1/decode + 1/infer); on a GPU they run side by side and the slower one sets the pace.
      const limit =
        infer.provider === 'cpu'
          ? 1 / (1 / decode.imagesPerSecond + 1 / infer.imagesPerSecond)
          : Math.min(decode.imagesPerSecond, infer.imagesPerSecond);
      console.log(
        row([
          `${name} infer`,
          batch,
          infer.imagesPerSecond.toFixed(1),
          `${infer.peakRssMb.toFixed(0)} MB`,
          infer.provider ?? '',
        ]),
      );
      console.log(
        row([
          `${name} end-to-end`,
          batch,
          e2e.imagesPerSecond.toFixed(1),
          `${e2e.peakRssMb.toFixed(0)} MB`,
          `${((100 * e2e.imagesPerSecond) / limit).toFixed(0)}% of ${limit.toFixed(1)}`,
        ]),
      );
    }
  }
}

await main();
