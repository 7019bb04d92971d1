// Personal tags and similar photos benchmark (bench, engine code in-process): storage per photo, similarity query time and top-10 recall, training time.
// Run: npm run build && node out/bench/personal-bench.js [--images N] [--dim D] [--labelled N] [--tags N] [--queries N]

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { learnPersonalTags } from '../src-main/engine/learning/learn-personal.js';
import { Library } from '../src-main/engine/library/library.js';
import { allocateInt8Rows } from '../src-main/engine/simd/int8-dots.js';
import { nearestTo } from '../src-main/engine/similar/similarity.js';
import { encodeEmbedding } from '../src-main/shared/embedding-codec.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '2048' },
    labelled: { type: 'string', default: '10000' },
    tags: { type: 'string', default: '10' },
    queries: { type: 'string', default: '20' },
  },
});
const IMAGES = Number(values.images);
const DIM = Number(values.dim);
const LABELLED = Number(values.labelled);
const TAGS = Number(values.tags);
const QUERIES = Number(values.queries);
const CLUSTERS = 2000;

/** Targets from issue 12. */
const TARGETS = { bytesPerPhoto: 2.5 * 1024, queryMs: 100, recall: 0.95, trainSeconds: 1 };

function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(7);
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

// Features like a ResNet's after ReLU and pooling: non-negative, photos clustered by subject.
const centres = new Float32Array(CLUSTERS * DIM);
for (let i = 0; i < centres.length; i++) centres[i] = Math.max(0, gauss());
const clusterOf = new Int32Array(IMAGES);
const exact = new Float32Array(IMAGES * DIM);
for (let i = 0; i < IMAGES; i++) {
  const c = Math.floor(rand() * CLUSTERS);
  clusterOf[i] = c;
  let norm = 0;
  for (let k = 0; k < DIM; k++) {
    const v = Math.max(0, (centres[c * DIM + k] as number) + 0.8 * gauss());
    exact[i * DIM + k] = v;
    norm += v * v;
  }
  const inv = 1 / Math.sqrt(norm || 1);
  for (let k = 0; k < DIM; k++) exact[i * DIM + k] = (exact[i * DIM + k] as number) * inv;
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-personal-bench-'));

/**
 * Bytes an embedding adds per photo on disk: two libraries of the same photos, with and without
 * embeddings, closed (so the WAL is checkpointed into the file), their sizes compared.
 */
function storagePerPhoto(count: number): number {
  const sizes = [false, true].map((withEmbeddings) => {
    const file = path.join(dir, `storage-${withEmbeddings}.db`);
    const db = Library.open(file);
    const modelId = db.ensureModel('2'.repeat(64), 'resnet50-v2-7.onnx');
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const p = Buffer.from(`/home/me/Pictures/IMG_${String(i).padStart(6, '0')}.jpg`);
        const id = db.insertImage(
          { path: p, display: p.toString(), size: 1e6 + i, mtimeMs: 1.7e12 + i, devIno: `1:${i}` },
          null,
          1,
        ).id;
        const e = encodeEmbedding(exact, (i % IMAGES) * DIM, DIM);
        if (withEmbeddings && e) db.embeddings.put(id, modelId, e);
      }
    });
    db.close();
    return statSync(file).size;
  });
  return ((sizes[1] ?? 0) - (sizes[0] ?? 0)) / count;
}

const file = path.join(dir, 'library.db');
const library = Library.open(file);
try {
  const modelId = library.ensureModel('1'.repeat(64), 'resnet50-v2-7.onnx');
  const ids: number[] = [];
  const insertStart = performance.now();
  library.transaction(() => {
    for (let i = 0; i < IMAGES; i++) {
      const p = Buffer.from(`/home/me/Pictures/IMG_${String(i).padStart(6, '0')}.jpg`);
      const id = library.insertImage(
        { path: p, display: p.toString(), size: 1e6 + i, mtimeMs: 1.7e12 + i, devIno: `1:${i}` },
        null,
        1,
      ).id;
      ids.push(id);
      const e = encodeEmbedding(exact, i * DIM, DIM);
      if (e) library.embeddings.put(id, modelId, e);
    }
  });
  const insertSeconds = (performance.now() - insertStart) / 1000;
  console.log(`personal-bench: ${IMAGES} photos, ${DIM}-d features, ${CLUSTERS} subjects`);
  console.log(`  ${IMAGES} photos and embeddings stored in ${insertSeconds.toFixed(1)} s`);

  const loadStart = performance.now();
  const matrix = library.embeddings.loadMatrix(modelId, null, allocateInt8Rows);
  const loadMs = performance.now() - loadStart;
  console.log(
    `  embedding matrix loaded in ${loadMs.toFixed(0)} ms (${(matrix.vectors.byteLength / 1e6).toFixed(0)} MB int8)`,
  );
  const perPhoto = Math.round(storagePerPhoto(Math.min(IMAGES, 20_000)));
  console.log(
    `  ${'embedding bytes per photo on disk (file growth)'.padEnd(48)} ${String(perPhoto).padStart(8)}   target <= ${TARGETS.bytesPerPhoto}  ${perPhoto <= TARGETS.bytesPerPhoto ? 'ok' : 'MISSED'}`,
  );

  const samples: number[] = [];
  let recallSum = 0;
  for (let q = 0; q < QUERIES; q++) {
    const row = Math.floor(rand() * matrix.ids.length);
    const start = performance.now();
    const found = nearestTo(matrix, row, 10);
    samples.push(performance.now() - start);
    // Exact top 10 by fp32 cosine.
    const sims: { r: number; s: number }[] = [];
    for (let r = 0; r < IMAGES; r++) {
      if (r === row) continue;
      let s = 0;
      for (let k = 0; k < DIM; k++) s += (exact[row * DIM + k] as number) * (exact[r * DIM + k] as number);
      sims.push({ r, s });
    }
    sims.sort((a, b) => b.s - a.s);
    const truth = new Set(sims.slice(0, 10).map((x) => ids[x.r]));
    recallSum += found.filter((f) => truth.has(f.imageId)).length / 10;
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? NaN;
  const recall = recallSum / QUERIES;
  console.log(
    `  ${'similar: top 10 of all photos, median ms'.padEnd(48)} ${median.toFixed(1).padStart(8)}   target < ${TARGETS.queryMs}  ${median < TARGETS.queryMs ? 'ok' : 'MISSED'}`,
  );
  console.log(
    `  ${'top-10 recall vs fp32 cosine (int8 storage)'.padEnd(48)} ${recall.toFixed(3).padStart(8)}   target >= ${TARGETS.recall}  ${recall >= TARGETS.recall ? 'ok' : 'MISSED'}`,
  );

  // Training: LABELLED photos carry TAGS personal tags (one each), the tag given by their subject.
  library.transaction(() => {
    for (let i = 0; i < Math.min(LABELLED, IMAGES); i++) {
      const tag = `tag-${(clusterOf[i] as number) % TAGS}`;
      library.setTagState([ids[i] as number], tag, 'accepted');
    }
  });
  const report = await learnPersonalTags(library, modelId, { force: true });
  console.log(
    `  ${`training ${report.classifiers.length} tags on ${LABELLED} labelled photos (with 5-fold CV), s`.padEnd(48)} ${report.trainSeconds.toFixed(2).padStart(8)}   target < ${TARGETS.trainSeconds}  ${report.trainSeconds < TARGETS.trainSeconds ? 'ok' : 'MISSED'}`,
  );
  console.log(
    `  ${'  per tag, s'.padEnd(48)} ${(report.trainSeconds / Math.max(1, report.classifiers.length)).toFixed(3).padStart(8)}`,
  );
  console.log(
    `  suggesting on all ${matrix.ids.length} photos included: learn took ${report.seconds.toFixed(1)} s in all`,
  );
} finally {
  library.close();
  rmSync(dir, { recursive: true, force: true });
}
