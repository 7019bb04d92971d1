// Instant-start benchmark (bench): `skiptag tag` on an unchanged folder of 1,000 photos, and a cold run's first result.
// `npm run build && node out/bench/instant-start-bench.js [--runs 5]`

import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { findPackageRoot } from '../src-main/engine/package-root.js';
import { buildResNet } from '../src-main/engine/synth/resnet.js';
import { assertRan, median, timeCli } from './cli-timing.js';

const { values } = parseArgs({ options: { runs: { type: 'string' } } });
const runs = Number(values.runs ?? 5);
const benchDir = path.join(os.tmpdir(), 'skiptag-bench');

/** 1,000 small JPEGs (what is in them does not matter: an unchanged run never decodes them). */
async function thousandPhotos(): Promise<string> {
  const dir = path.join(benchDir, 'photos-1000-small');
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length >= 1000) return dir;
  for (let i = 0; i < 1000; i++) {
    await sharp({
      create: { width: 64 + (i % 7), height: 48, channels: 3, background: { r: i % 256, g: 90, b: 30 } },
    })
      .jpeg()
      .toFile(path.join(dir, `photo-${String(i).padStart(4, '0')}.jpg`));
  }
  return dir;
}

async function model(name: 'resnet18' | 'resnet50'): Promise<string> {
  const file = path.join(benchDir, `${name}.onnx`);
  if (!existsSync(file)) {
    await mkdir(benchDir, { recursive: true });
    await writeFile(file, buildResNet(name, { seed: 1 }));
  }
  return file;
}

function line(label: string, measured: string, target: string, ok: boolean | null): void {
  const verdict = ok === null ? '' : ok ? 'met' : 'NOT met';
  console.log(`${label.padEnd(58)} ${measured.padEnd(22)} ${target.padEnd(12)} ${verdict}`);
}

async function main(): Promise<void> {
  console.log(
    `Instant start: ${os.cpus().length} cores, load average ${os.loadavg()[0]?.toFixed(1)}; median of ${runs} runs`,
  );
  const photos = await thousandPhotos();
  const resnet50 = await model('resnet50');
  const work = path.join(benchDir, 'instant-start');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const cacheDir = path.join(work, 'cache');
  const env = { SKIPTAG_CACHE_DIR: cacheDir, SKIPTAG_MODEL: '' };

  // The library of the unchanged case is filled once with ResNet-18 (a fifth of ResNet-50's work); the
  // unchanged run never loads the model, so which ResNet it is does not change what is measured.
  const resnet18 = await model('resnet18');
  const library = path.join(work, 'unchanged.db');
  console.log('tagging the 1,000 photos once with ResNet-18 (the run being measured comes after)...');
  assertRan(
    await timeCli(
      [
        'tag',
        photos,
        '--model',
        resnet18,
        '--library',
        library,
        '--batch',
        '32',
        '-q',
        '--csv',
        path.join(work, 'first.csv'),
      ],
      env,
    ),
    'the first tag run',
  );
  const unchanged: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = assertRan(
      await timeCli(['tag', photos, '--model', resnet18, '--library', library, '-q'], env),
      'tag (unchanged)',
    );
    if (!/ 1000 unchanged; 0 tagged/.test(run.stderr))
      throw new Error(`expected 1000 unchanged:\n${run.stderr}`);
    unchanged.push(run.seconds);
  }

  // Cold runs: a new process on new photos with ResNet-50 (100 MB) on the CPU; results print as they come.
  const fixtures = path.join(await findPackageRoot(), 'test', 'fixtures', 'photos');
  const cold = async (cache: string, n: number) => {
    const run = assertRan(
      await timeCli(
        ['tag', fixtures, '--model', resnet50, '--ep', 'cpu', '--library', path.join(work, `cold-${n}.db`)],
        {
          ...env,
          SKIPTAG_CACHE_DIR: cache,
        },
      ),
      'cold tag',
    );
    if (run.firstResult === null) throw new Error('the cold run printed no result');
    return run.firstResult;
  };
  const firstEver: number[] = [];
  const warmCaches: number[] = [];
  for (let i = 0; i < runs; i++) {
    // Nothing cached: the model is hashed and optimized (and the optimized copy written) in this run.
    firstEver.push(await cold(path.join(work, `empty-cache-${i}`), i));
    warmCaches.push(await cold(cacheDir, runs + i));
  }
  console.log('');
  console.log(`${'case'.padEnd(58)} ${'measured'.padEnd(22)} ${'target'.padEnd(12)}`);
  const u = median(unchanged);
  line('tag, unchanged folder of 1,000 photos (whole run)', `${u.toFixed(2)} s`, '< 1 s', u < 1);
  const w = median(warmCaches);
  line('cold tag, ResNet-50 on CPU: first result (caches warm)', `${w.toFixed(2)} s`, '< 1.5 s', w < 1.5);
  const f = median(firstEver);
  line('cold tag, ResNet-50 on CPU: first result (first run ever)', `${f.toFixed(2)} s`, '', null);
  console.log(
    'A cold run is a new skiptag process with new photos; "caches warm" means an earlier run on this machine\n' +
      "left the model hash and onnxruntime's optimized copy of the model in the cache folder (the usual case);\n" +
      '"first run ever" hashes the 100 MB model and optimizes it, as right after installing it.',
  );
}

await main();
