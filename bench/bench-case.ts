// One benchmark measurement in its own process (bench): decode-only, inference-only or end-to-end, printed as JSON.
// Separate processes make peak RSS per case meaningful and keep native thread pools from interfering.

import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Classifier } from '../src-main/engine/classify/classifier.js';
import type { EpChoice } from '../src-main/engine/classify/providers.js';
import { imagenetLabels } from '../src-main/engine/classify/labels.js';
import { loadAndPreprocess } from '../src-main/engine/imaging/photo-input.js';
import { imagenetPreprocess } from '../src-main/engine/imaging/preprocess-spec.js';
import { DEFAULT_MAX_FILE_BYTES } from '../src-main/engine/imaging/read-photo.js';
import { tagPhotos } from '../src-main/engine/pipeline/classify-items.js';
import { applyDecoderPolicy } from '../src-main/engine/imaging/decoder-policy.js';
import sharp from 'sharp';
import { sizeThreadpoolForDecoding } from '../src-main/engine/threadpool.js';

// Same decode parallelism as the CLI (bin/skiptag.js); nothing has used libuv's pool yet.
sizeThreadpoolForDecoding();

export interface CaseResult {
  mode: string;
  model: string | null;
  batch: number | null;
  images: number;
  seconds: number;
  imagesPerSecond: number;
  peakRssMb: number;
  provider: string | null;
}

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    model: { type: 'string' },
    batch: { type: 'string' },
    folder: { type: 'string' },
    images: { type: 'string' },
    threads: { type: 'string' },
    ep: { type: 'string' },
    'vips-threads': { type: 'string' },
  },
});
const mode = values.mode ?? 'e2e';
const batch = Number(values.batch ?? 8);
const images = Number(values.images ?? 64);
const threads = values.threads ? Number(values.threads) : undefined;
const folder = values.folder ?? '.';
const spec = imagenetPreprocess();
// --vips-threads N: libvips threads per image other than the pipeline's (to show what oversubscription costs).
if (values['vips-threads']) {
  applyDecoderPolicy();
  sharp.concurrency(Number(values['vips-threads']));
}

async function photoFiles(): Promise<string[]> {
  const names = (await readdir(folder)).filter((n) => /\.(jpe?g|png|webp|tiff?)$/i.test(n)).sort();
  return names.map((n) => path.join(folder, n));
}

async function decodeOnly(): Promise<{ count: number; seconds: number }> {
  const files = await photoFiles();
  const todo = Array.from({ length: images }, (_, i) => files[i % files.length] as string);
  const started = performance.now();
  // Same parallelism as the pipeline keeps in flight; libuv's pool (4 threads) bounds it further.
  const parallel = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  let next = 0;
  const worker = async () => {
    const out = new Float32Array(3 * spec.cropHeight * spec.cropWidth);
    while (next < todo.length) {
      const file = todo[next++] as string;
      await loadAndPreprocess(file, spec, out, 0, { maxFileBytes: DEFAULT_MAX_FILE_BYTES });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { count: todo.length, seconds: (performance.now() - started) / 1000 };
}

async function inferenceOnly(classifier: Classifier): Promise<{ count: number; seconds: number }> {
  const floats = 3 * classifier.io.height * classifier.io.width;
  const makeBatch = () => {
    const data = new Float32Array(batch * floats);
    for (let i = 0; i < data.length; i += 97) data[i] = Math.sin(i);
    return data;
  };
  await classifier.run(makeBatch(), batch); // warm-up: first run allocates and optimises
  const rounds = Math.max(1, Math.ceil(images / batch));
  const started = performance.now();
  for (let r = 0; r < rounds; r++) await classifier.run(makeBatch(), batch);
  return { count: rounds * batch, seconds: (performance.now() - started) / 1000 };
}

async function endToEnd(classifier: Classifier): Promise<{ count: number; seconds: number }> {
  const files = (await photoFiles()).slice(0, images);
  const labels = await imagenetLabels();
  // Warm-up batch so session start-up cost is not counted as throughput.
  await classifier.run(new Float32Array(batch * 3 * classifier.io.height * classifier.io.width), batch);
  const started = performance.now();
  const summary = await tagPhotos({
    inputs: files,
    classifier,
    labels,
    preprocess: spec,
    modelName: path.basename(values.model ?? ''),
    topK: 5,
    threshold: 0,
    batchSize: batch,
    onResult: async () => undefined,
  });
  if (summary.failed > 0) throw new Error(`${summary.failed} photos failed during the benchmark`);
  return { count: summary.ok, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  let classifier: Classifier | null = null;
  let measured: { count: number; seconds: number };
  if (mode === 'decode') {
    measured = await decodeOnly();
  } else {
    if (!values.model) throw new Error('--model is required');
    const ep = (values.ep ?? 'cpu') as EpChoice;
    classifier = await Classifier.open(values.model, { ep, ...(threads ? { threads } : {}) });
    measured = mode === 'infer' ? await inferenceOnly(classifier) : await endToEnd(classifier);
  }
  const result: CaseResult = {
    mode,
    model: values.model ? path.basename(values.model) : null,
    batch: mode === 'decode' ? null : batch,
    images: measured.count,
    seconds: measured.seconds,
    imagesPerSecond: measured.count / measured.seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    provider: classifier?.provider ?? null,
  };
  await classifier?.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
