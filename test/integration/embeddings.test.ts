// Embeddings in the same pass (test): the final layer's input found and output by onnxruntime, stored compactly, kept across renames, gone with its photo.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from '../../src-main/engine/classify/classifier.js';
import { planEmbeddingOutput } from '../../src-main/engine/classify/embedding-output.js';
import { Library } from '../../src-main/engine/library/library.js';
import { openAtVersion } from '../../src-main/engine/library/migrations.js';
import { statSeen } from '../../src-main/engine/jobs/scan-decision.js';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../src-main/engine/imaging/preprocess-spec.js';
import {
  buildColourModel,
  COLOUR_LABELS,
  COLOUR_PROTOTYPES,
} from '../../src-main/engine/synth/colour-model.js';
import { buildResNet } from '../../src-main/engine/synth/resnet.js';
import { OnnxGraphBuilder } from '../../src-main/engine/synth/onnx-graph-builder.js';
import onnxProto from 'onnx-proto';
import { decodeEmbedding, encodeEmbedding } from '../../src-main/shared/embedding-codec.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { writeNaNForDarkModel } from '../support/odd-models.js';
import { runCli } from '../support/run-cli.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-embed-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const { onnx } = onnxProto;

/**
 * An int8 (QDQ) head as quantization tools write it: GAP → Flatten → QuantizeLinear → DequantizeLinear →
 * Gemm (4 classes). The embedding must be the float tensor before the quantize step: the mean of each
 * normalised channel.
 */
function int8HeadModel(): Uint8Array {
  const b = new OnnxGraphBuilder('qdq-head');
  const data = b.addInput('data', ['N', 3, 32, 32]);
  const pooled = b.flatten('flatten', b.globalAveragePool('avgpool', data));
  const scale = b.addInitializer('q.scale', [], Float32Array.of(0.02));
  const quantized = b.addNode('QuantizeLinear', 'q', [pooled, scale, 'q.zero']);
  const restored = b.addNode('DequantizeLinear', 'dq', [quantized, scale, 'q.zero']);
  const weight = b.addInitializer(
    'fc.weight',
    [4, 3],
    Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2),
  );
  const logits = b.gemm('fc', restored, weight, b.addInitializer('fc.bias', [4], new Float32Array(4)));
  b.addOutput(logits, ['N', 4]);
  const model = onnx.ModelProto.decode(b.toModelBytes());
  model.graph?.initializer?.push(
    onnx.TensorProto.create({
      name: 'q.zero',
      dims: [],
      dataType: onnx.TensorProto.DataType.UINT8,
      rawData: Uint8Array.of(128),
    }),
  );
  return onnx.ModelProto.encode(model).finish();
}

const sha256Of = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

/** A uniform image of one colour, normalised as the models expect: [1,3,S,S]. */
function uniformImage(rgb: readonly number[], side: number): Float32Array {
  const plane = side * side;
  const data = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const value = ((rgb[c] ?? 0) / 255 - (IMAGENET_MEAN[c] ?? 0)) / (IMAGENET_STD[c] ?? 1);
    data.fill(value, c * plane, (c + 1) * plane);
  }
  return data;
}

describe('finding the pooled features', () => {
  it('finds the Gemm input of the colour model, ResNet-18 and ResNet-50 with its width', () => {
    const colour = planEmbeddingOutput(buildColourModel().bytes);
    expect(colour.ok && colour.output).toEqual({ name: 'flatten', dim: COLOUR_PROTOTYPES.length });
    const r18 = planEmbeddingOutput(buildResNet('resnet18', { inputSize: 64 }));
    expect(r18.ok && r18.output.dim).toBe(512);
    const r50 = planEmbeddingOutput(buildResNet('resnet50', { inputSize: 64, numClasses: 10 }));
    expect(r50.ok && r50.output.dim).toBe(2048);
  });

  it('takes the float features before the quantize step of an int8 head, and onnxruntime outputs them', async () => {
    const bytes = int8HeadModel();
    const plan = planEmbeddingOutput(bytes);
    expect(plan.ok && plan.output).toEqual({ name: 'flatten', dim: 3 });
    const file = path.join(work, 'qdq.onnx');
    await writeFile(file, bytes);
    await writeFile(path.join(work, 'qdq.labels.txt'), 'a\nb\nc\nd\n');
    const classifier = await Classifier.open(file, { threads: 1 });
    try {
      const image = uniformImage([200, 100, 50], 32);
      // Read before the run: the batch's buffer is handed (transferred) to the inference thread.
      const expected = [0, 1, 2].map((c) => image[c * 32 * 32] ?? NaN);
      const out = await classifier.runWithEmbedding(image, 1);
      expect(out.logits).toHaveLength(4);
      // A uniform image: each feature is that channel's normalised value, exactly as fed in (not quantized).
      expected.forEach((value, c) => expect(out.embedding?.[c]).toBeCloseTo(value, 5));
    } finally {
      await classifier.close();
    }
  });

  it('says why a model whose scores do not come from a linear layer has none', async () => {
    const file = await writeNaNForDarkModel(path.join(work, 'odd'));
    const classifier = await Classifier.open(file, { threads: 1 });
    try {
      expect(classifier.embedding).toBeNull();
      expect(classifier.embeddingOff).toContain('Sqrt');
      // Tags still work: one run gives scores and no features.
      const out = await classifier.runWithEmbedding(uniformImage([250, 20, 20], 224), 1);
      expect(out.logits).toHaveLength(COLOUR_LABELS.length);
      expect(out.embedding).toBeNull();
    } finally {
      await classifier.close();
    }
    // The CLI says so, and tags anyway.
    const photos = path.join(work, 'odd-photos');
    await writeColourPhotos(photos);
    const run = await runCli(['tag', photos, '--model', file, '--no-library', '-q']);
    expect(run.stderr).toContain('note: similar photos and personal tags are off with this model');
    expect(run.stderr).toContain('Sqrt');
    expect(run.stdout.trim().split('\n').length).toBeGreaterThan(0);
  });
});

describe('one inference, scores and features', () => {
  it('gives the colour model’s prototype shares as the embedding, and the same scores as without it', async () => {
    const file = await writeColourModel(path.join(work, 'colour'));
    const withFeatures = await Classifier.open(file, { threads: 1 });
    const plain = await Classifier.open(file, { threads: 1, embedding: false });
    try {
      // A photo of exactly one prototype's colour: its features are that prototype's share of the picture.
      for (const [j, [, rgb]] of COLOUR_PROTOTYPES.entries()) {
        const pixels = rgb.map((v) => Math.round(v * 255));
        const out = await withFeatures.runWithEmbedding(uniformImage(pixels, 224), 1);
        const logits = await plain.run(uniformImage(pixels, 224), 1);
        expect([...out.logits]).toEqual([...logits]);
        const shares = [...(out.embedding ?? [])];
        expect(shares).toHaveLength(COLOUR_PROTOTYPES.length);
        // Softmax shares of each patch sum to one, and so does their average over the picture.
        expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
        expect(shares.indexOf(Math.max(...shares))).toBe(j);
      }
      expect(plain.embeddingOff).not.toBeNull();
    } finally {
      await withFeatures.close();
      await plain.close();
    }
  });

  it('gives ResNet-18 features for a batch, one 512-vector per image', async () => {
    const file = path.join(work, 'r18.onnx');
    await writeFile(file, buildResNet('resnet18', { inputSize: 64, numClasses: 10 }));
    const classifier = await Classifier.open(file, { threads: 1 });
    try {
      const batch = new Float32Array(2 * 3 * 64 * 64);
      batch.set(uniformImage([250, 10, 10], 64), 0);
      batch.set(uniformImage([10, 10, 250], 64), 3 * 64 * 64);
      const out = await classifier.runWithEmbedding(batch, 2);
      expect(out.logits).toHaveLength(20);
      expect(out.embedding).toHaveLength(1024);
    } finally {
      await classifier.close();
    }
  });
});

describe('with the start-up cache', () => {
  it('gives features from onnxruntime’s optimized copy on a warm start, and from the model when the copy is plain', async () => {
    const file = path.join(work, 'cached-r18.onnx');
    await writeFile(file, buildResNet('resnet18', { inputSize: 64, numClasses: 10 }));
    const cacheDir = path.join(work, 'start-cache');
    const featuresOf = async () => {
      const classifier = await Classifier.open(file, { ep: 'cpu', threads: 1, cacheDir });
      try {
        expect(classifier.embedding).toEqual({ name: 'flatten', dim: 512 });
        return (await classifier.runWithEmbedding(uniformImage([120, 60, 200], 64), 1)).embedding;
      } finally {
        await classifier.close();
      }
    };
    const cold = await featuresOf();
    const warm = await featuresOf();
    expect(cold).toHaveLength(512);
    [...(warm ?? [])].forEach((v, i) => expect(v).toBeCloseTo(cold?.[i] ?? NaN, 4));
    // A plain copy (as a start without features would write) under the features name: detected, and the
    // model itself is used instead.
    const copies = await readdir(path.join(cacheDir, 'sessions'));
    const copy = path.join(cacheDir, 'sessions', copies[0] ?? '');
    await writeFile(copy, buildResNet('resnet18', { inputSize: 64, numClasses: 10 }));
    const fallback = await featuresOf();
    [...(fallback ?? [])].forEach((v, i) => expect(v).toBeCloseTo(cold?.[i] ?? NaN, 4));
  });
});

describe('compact storage', () => {
  it('keeps a ResNet-50 embedding under 2.5 KB and its cosine within 1% of float', () => {
    const a = Float32Array.from({ length: 2048 }, (_, i) => Math.max(0, Math.sin(i * 0.37) + 0.2));
    const b = Float32Array.from({ length: 2048 }, (_, i) => Math.max(0, Math.sin(i * 0.41) + 0.3));
    const ea = encodeEmbedding(a, 0, 2048);
    const eb = encodeEmbedding(b, 0, 2048);
    expect((ea?.vector.byteLength ?? 0) + 8).toBeLessThanOrEqual(2560);
    const cos = (x: Float32Array, y: Float32Array) => {
      let d = 0;
      let nx = 0;
      let ny = 0;
      x.forEach((v, i) => {
        const w = y[i] ?? 0;
        d += v * w;
        nx += v * v;
        ny += w * w;
      });
      return d / Math.sqrt(nx * ny);
    };
    if (!ea || !eb) throw new Error('no embedding');
    const exact = cos(a, b);
    const stored = cos(decodeEmbedding(ea), decodeEmbedding(eb));
    expect(Math.abs(stored - exact)).toBeLessThan(0.01);
    expect(encodeEmbedding(new Float32Array(4), 0, 4)).toBeNull();
    expect(encodeEmbedding(Float32Array.from([1, Number.NaN]), 0, 2)).toBeNull();
  });
});

describe('embeddings in the library', () => {
  let model: string;
  let photos: string;
  let library: string;
  beforeAll(async () => {
    model = await writeColourModel(path.join(work, 'lib-model'));
    photos = path.join(work, 'lib-photos');
    await writeColourPhotos(photos);
    library = path.join(work, 'lib', 'skiptag.db');
  });
  const tag = (...inputs: string[]) =>
    runCli(['tag', ...(inputs.length ? inputs : [photos]), '--model', model, '--library', library, '-q']);

  it('stores one per photo when tagging, keeps it across a rename and a move, drops it with the photo', async () => {
    const run = await tag();
    expect(run.code, run.stderr).toBe(0);
    let db = Library.open(library);
    const modelId = db.findModel(await sha256Of(model)) ?? -1;
    const red = db.getImageByPath(Buffer.from(path.join(photos, 'red-photo.jpg')));
    const redId = red?.id ?? -1;
    const before = db.embeddings.get(redId, modelId);
    expect(before?.vector).toHaveLength(COLOUR_PROTOTYPES.length);
    expect(db.embeddings.count(modelId)).toBe(6);
    db.close();

    await rename(path.join(photos, 'red-photo.jpg'), path.join(photos, 'red-renamed.jpg'));
    await mkdir(path.join(photos, 'sub'));
    await rename(path.join(photos, 'blue-photo.webp'), path.join(photos, 'sub', 'blue-photo.webp'));
    const again = await tag();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('2 moved');
    expect(again.stderr).toContain('0 tagged');
    db = Library.open(library);
    const renamed = db.getImageByPath(Buffer.from(path.join(photos, 'red-renamed.jpg')));
    expect(renamed?.id).toBe(redId);
    expect(db.embeddings.get(redId, modelId)).toEqual(before);
    const moved = db.getImageByPath(Buffer.from(path.join(photos, 'sub', 'blue-photo.webp')));
    expect(db.embeddings.has(moved?.id ?? -1, modelId)).toBe(true);

    for (const folder of db.listFolders()) db.removeFolder(folder.id);
    expect(db.embeddings.count(modelId)).toBe(0);
    db.close();
  });

  it('gives photos classified before the migration an embedding on the next scan, tags untouched', async () => {
    const dir = path.join(work, 'old-photos');
    await mkdir(dir);
    await copyFile(path.join(photos, 'green-photo.png'), path.join(dir, 'green.png'));
    const file = path.join(dir, 'green.png');
    const oldLibrary = path.join(work, 'old', 'skiptag.db');
    await mkdir(path.dirname(oldLibrary));
    // A library as version 4 left it: the photo classified, an auto tag with a telling score, a user tag.
    const seen = await statSeen(Buffer.from(file), file);
    const v4 = openAtVersion(oldLibrary, 4);
    const sha256 = await sha256Of(model);
    const now = new Date().toISOString();
    v4.run(`INSERT INTO folders (id, path, display, watched, added_at) VALUES (1, :p, :d, 0, :now)`, {
      p: Buffer.from(dir),
      d: dir,
      now,
    });
    v4.run(
      `INSERT INTO images (id, folder_id, path, display, size, mtime_ms, dev_ino, sha256, format, width, height,
         status, first_seen_at, updated_at) VALUES (1, 1, :p, :d, :size, :mtime, :devino, 'x', 'png', 1, 1, 'ok', :now, :now)`,
      { p: Buffer.from(file), d: file, size: seen.size, mtime: seen.mtimeMs, devino: seen.devIno, now },
    );
    v4.run(`INSERT INTO models (id, sha256, name) VALUES (1, :sha, 'colours.onnx')`, { sha: sha256 });
    v4.run(`INSERT INTO classifications VALUES (1, 1, 'cpu', :now)`, { now });
    v4.run(`INSERT INTO predictions VALUES (1, 1, 1, 3, '', 'green', 0.123)`);
    v4.run(`INSERT INTO tags VALUES (1, 'green', 'auto', 'suggested', 0.123, :now)`, { now });
    v4.run(`INSERT INTO tags VALUES (1, 'garden', 'user', 'accepted', NULL, :now)`, { now });
    v4.close();

    const run = await runCli(['tag', dir, '--model', model, '--library', oldLibrary, '-q']);
    expect(run.code, run.stderr).toBe(0);
    const db = Library.open(oldLibrary);
    try {
      expect(db.schemaVersion()).toBe(7);
      expect(db.embeddings.get(1, 1)?.vector).toHaveLength(COLOUR_PROTOTYPES.length);
      const tags = db.imageDetail(1)?.tags ?? [];
      expect(tags.map((t) => [t.tag, t.source, t.state, t.score]).sort()).toEqual([
        ['garden', 'user', 'accepted', null],
        ['green', 'auto', 'suggested', 0.123],
      ]);
    } finally {
      db.close();
    }
    // The next scan has nothing left to do.
    const third = await runCli(['tag', dir, '--model', model, '--library', oldLibrary, '-q']);
    expect(third.stderr).toContain('0 tagged');
  });
});
