// Tagging pipeline tests (test): ordering, bounded memory on many files, cancellation, decode/inference overlap.
import { link, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileResult } from '../../src-main/shared/results.js';
import { Classifier } from '../../src-main/engine/classify/classifier.js';
import { imagenetLabels, loadLabelFile } from '../../src-main/engine/classify/labels.js';
import { imagenetPreprocess } from '../../src-main/engine/imaging/preprocess-spec.js';
import { buildResNet } from '../../src-main/engine/synth/resnet.js';
import { classifyItems, tagPhotos, type TraceEvent } from '../../src-main/engine/pipeline/classify-items.js';
import type { WalkItem } from '../../src-main/engine/scan/walk-items.js';
import { writeColourModel } from '../support/colour-photos.js';
import { PHOTOS_DIR } from '../support/run-cli.js';

let work: string;
let colours: Classifier;
let colourLabels: Awaited<ReturnType<typeof loadLabelFile>>;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-pipeline-'));
  const model = await writeColourModel(path.join(work, 'model'));
  colours = await Classifier.open(model, { ep: 'cpu' });
  colourLabels = await loadLabelFile(model.replace(/\.onnx$/, '.labels.txt'));
});

afterAll(async () => {
  await colours.close();
  await rm(work, { recursive: true, force: true });
});

/** A folder of `count` photos made cheaply as hard links to one small JPEG. */
async function manyPhotos(name: string, count: number): Promise<string> {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  const source = path.join(dir, 'source.jpeg.src');
  await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .jpeg()
    .toFile(source);
  for (let i = 0; i < count; i++) await link(source, path.join(dir, `img-${String(i).padStart(5, '0')}.jpg`));
  return dir;
}

const base = {
  preprocess: imagenetPreprocess(),
  modelName: 'colours.onnx',
  topK: 3,
  threshold: 0,
  batchSize: 8,
};

describe('tagPhotos', () => {
  it('never holds more decoded pixels than the decode budget at once (one image larger than it, alone)', async () => {
    const dir = path.join(work, 'budget');
    await mkdir(dir, { recursive: true });
    // Interlaced PNGs are decoded whole: their cost is width × height × 3 bytes, whatever the decoder.
    const cost = new Map<string, number>();
    const sizes = [
      ...Array.from({ length: 10 }, (_, i) => [900 + i * 40, 700] as const),
      [2600, 1500] as const, // 11.7 MB: larger than the whole budget
    ];
    for (const [i, [width, height]] of sizes.entries()) {
      const file = path.join(dir, `p${String(i).padStart(2, '0')}.png`);
      await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 30, b: 30 } } })
        .png({ progressive: true, compressionLevel: 1 })
        .toFile(file);
      cost.set(file, width * height * 3);
    }
    const limit = 7_000_000; // three of the small ones at most
    const events: TraceEvent[] = [];
    const summary = await tagPhotos({
      ...base,
      inputs: [dir],
      classifier: colours,
      labels: colourLabels,
      decodeBudgetBytes: limit,
      onResult: async (r) => {
        expect(r.status, r.errorMessage ?? '').toBe('ok');
      },
      trace: (e) => events.push(e),
    });
    expect(summary.ok).toBe(sizes.length);
    // Replay the grants with the test's own costs: at no moment more than the limit, unless alone.
    const held = new Set<string>();
    for (const e of events) {
      if (e.kind === 'budget-acquire') {
        held.add(e.file);
        const total = [...held].reduce((sum, file) => sum + (cost.get(file) ?? Number.NaN), 0);
        expect(held.size === 1 || total <= limit, `${[...held].join(', ')}: ${total} bytes`).toBe(true);
      } else if (e.kind === 'budget-release') held.delete(e.file);
    }
    expect(held.size).toBe(0);
    const acquired = events.flatMap((e) => (e.kind === 'budget-acquire' ? [e.file] : []));
    expect(acquired.sort()).toEqual([...cost.keys()].sort());
  });

  it('streams results in input order with bounded memory on a large folder', async () => {
    const dir = await manyPhotos('many', 1500);
    let count = 0;
    let lastName = '';
    let inOrder = true;
    const rssStart = process.memoryUsage().rss;
    let rssPeak = rssStart;
    const summary = await tagPhotos({
      ...base,
      inputs: [dir],
      classifier: colours,
      labels: colourLabels,
      onResult: async (r: FileResult) => {
        count += 1;
        const name = path.basename(r.path);
        if (name <= lastName) inOrder = false;
        lastName = name;
        if (count % 100 === 0) rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        expect(r.predictions[0]?.label).toBe('red');
      },
    });
    expect(summary).toMatchObject({ ok: 1500, failed: 0, skipped: 1, cancelled: false });
    expect(count).toBe(1500);
    expect(inOrder).toBe(true);
    // 1500 decoded 224×224 tensors would be ~900 MB; the pipeline keeps only a small window of them.
    expect(rssPeak - rssStart).toBeLessThan(200 * 1024 * 1024);
  });

  it('stops early when cancelled, keeping every finished result intact', async () => {
    const dir = await manyPhotos('cancel', 300);
    const controller = new AbortController();
    const results: FileResult[] = [];
    const summary = await tagPhotos({
      ...base,
      inputs: [dir],
      classifier: colours,
      labels: colourLabels,
      signal: controller.signal,
      onResult: async (r) => {
        results.push(r);
        if (results.length === 40) controller.abort();
      },
    });
    expect(summary.cancelled).toBe(true);
    expect(results.length).toBeGreaterThanOrEqual(40);
    expect(results.length).toBeLessThan(300);
    expect(summary.ok).toBe(results.length);
    for (const r of results) expect(r.status).toBe('ok');
  });

  it("sends a batch's results as soon as its inference ends, before the next batch is full", async () => {
    const dir = await manyPhotos('early', 3);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.jpg')).sort();
    let firstResult: () => void = () => undefined;
    const firstArrived = new Promise<void>((resolve) => (firstResult = resolve));
    // The second and third photos are handed over only once the first one's result is out, as a watcher
    // hands over photos as they arrive: results held back until a second batch fills would never come.
    async function* items(): AsyncGenerator<WalkItem> {
      for (const [i, name] of files.entries()) {
        if (i === 1) await firstArrived;
        const file = path.join(dir, name);
        yield { kind: 'file', path: Buffer.from(file), display: file, explicit: true };
      }
    }
    const order: string[] = [];
    const summary = await classifyItems(items(), {
      ...base,
      batchSize: 2,
      firstBatchSize: 1,
      classifier: colours,
      labels: colourLabels,
      onResult: async (r) => {
        order.push(path.basename(r.path));
        firstResult();
      },
    });
    expect(summary.ok).toBe(3);
    expect(order).toEqual(files);
  });

  it('decodes the next photos while a batch is being classified', async () => {
    const modelPath = path.join(work, 'resnet18.onnx');
    await writeFile(modelPath, buildResNet('resnet18', { seed: 2 }));
    const resnet = await Classifier.open(modelPath, { ep: 'cpu' });
    // 35 real photos (hard links) in batches of 4: more than the decode window, so the pipeline has to
    // keep decoding while earlier batches are being classified.
    const dir = path.join(work, 'overlap');
    await mkdir(dir, { recursive: true });
    const sources = (await readdir(PHOTOS_DIR)).filter((f) => f.endsWith('.jpg'));
    for (let i = 0; i < 5; i++) {
      for (const s of sources) await link(path.join(PHOTOS_DIR, s), path.join(dir, `${i}-${s}`));
    }
    const events: TraceEvent[] = [];
    try {
      const summary = await tagPhotos({
        ...base,
        inputs: [dir],
        classifier: resnet,
        labels: await imagenetLabels(),
        modelName: 'resnet18.onnx',
        batchSize: 4,
        onResult: async (r) => {
          expect(r.predictions).toHaveLength(3);
          expect(r.predictions[0]?.wnid).toMatch(/^n\d{8}$/);
        },
        trace: (e) => events.push(e),
      });
      expect(summary.ok).toBe(35);
    } finally {
      await resnet.close();
    }
    // Pair each batch's start and end (the worker runs them in order) and look for decodes finishing inside.
    const starts = events.filter((e) => e.kind === 'infer-start').map((e) => e.at);
    const ends = events.filter((e) => e.kind === 'infer-end').map((e) => e.at);
    expect(starts).toHaveLength(9);
    const decodedDuringInference = events.filter(
      (e) => e.kind === 'decode-end' && starts.some((start, i) => e.at > start && e.at < (ends[i] ?? 0)),
    );
    expect(decodedDuringInference.length).toBeGreaterThan(0);
  });
});
