// Scan benchmark (bench, engine code): walk-only and walk + lstat rates over a cached 100k-file tree, with peak RSS.
// `npm run build && node out/bench/walker-bench.js [--runs 3] [--concurrency 16] [--root DIR]`

import { existsSync } from 'node:fs';
import { mkdir, lstat, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { walkInputs } from '../src-main/engine/scan/walker.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    concurrency: { type: 'string' },
    root: { type: 'string' },
  },
});
const runs = Number(values.runs ?? 3);
const concurrency = Number(values.concurrency ?? 16);
const root = values.root ?? path.join(os.tmpdir(), 'skiptag-bench', 'tree-100k');

// 10 × 10 nested folders of 1000 files: deep enough to exercise the walker's stack, wide like camera folders.
const TOP = 10;
const SUB = 10;
const PER_FOLDER = 1000;
const TOTAL = TOP * SUB * PER_FOLDER;
/** Every tenth name is a .txt the walker must skip, as sidecar notes and exports are in real folders. */
const isText = (i: number) => i % 10 === 9;
const MARKER = '.complete-v1';

/** Builds the tree once; the hidden marker (skipped by the walker) says a previous run finished it. */
async function ensureTree(): Promise<void> {
  if (existsSync(path.join(root, MARKER))) return;
  console.log(`generating ${TOTAL} files under ${root} (once)...`);
  await rm(root, { recursive: true, force: true });
  const started = performance.now();
  const body = Buffer.alloc(64, 0xff);
  for (let t = 0; t < TOP; t++) {
    for (let s = 0; s < SUB; s++) {
      const folder = path.join(root, `top-${t}`, `sub-${s}`);
      await mkdir(folder, { recursive: true });
      const names = Array.from(
        { length: PER_FOLDER },
        (_, i) => `IMG_${String(i).padStart(4, '0')}.${isText(i) ? 'txt' : 'jpg'}`,
      );
      // Batches of 64 writes: fast without opening thousands of files at once.
      for (let i = 0; i < names.length; i += 64) {
        await Promise.all(names.slice(i, i + 64).map((name) => writeFile(path.join(folder, name), body)));
      }
    }
  }
  await writeFile(path.join(root, MARKER), '');
  console.log(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

interface Pass {
  files: number;
  seconds: number;
}

async function walkOnly(): Promise<Pass> {
  const started = performance.now();
  let files = 0;
  for await (const item of walkInputs([root])) if (item.kind === 'file') files++;
  return { files, seconds: (performance.now() - started) / 1000 };
}

/**
 * What an incremental rescan does per file: the walk plus one bigint lstat (size, mtime, dev, ino),
 * with `concurrency` stats in flight so libuv's thread pool stays busy while the walk goes on.
 */
async function walkAndStat(): Promise<Pass> {
  const started = performance.now();
  let files = 0;
  let failed = 0;
  let checksum = 0n;
  const inFlight = new Set<Promise<void>>();
  for await (const item of walkInputs([root])) {
    if (item.kind !== 'file') continue;
    const pending: Promise<void> = lstat(item.path, { bigint: true })
      .then((stats) => {
        // Touch every field the rescan compares so none of the work can be skipped.
        checksum ^= stats.size ^ stats.mtimeNs ^ stats.dev ^ stats.ino;
        files++;
      })
      .catch(() => {
        failed++;
      })
      .finally(() => inFlight.delete(pending));
    inFlight.add(pending);
    if (inFlight.size >= concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  if (failed > 0) console.warn(`${failed} lstat calls failed`);
  void checksum;
  return { files, seconds: (performance.now() - started) / 1000 };
}

const rate = (pass: Pass) => pass.files / pass.seconds;
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

function medianRate(passes: Pass[]): number {
  const rates = passes.map(rate).sort((a, b) => a - b);
  return rates[Math.floor(rates.length / 2)] ?? 0;
}

function summary(name: string, passes: Pass[]): string {
  const rates = passes.map(rate);
  const files = passes[0]?.files ?? 0;
  return `${name}: ${Math.round(medianRate(passes))} files/s median (${rates.map((r) => Math.round(r)).join(', ')}), ${files} files, peak RSS ${peakRssMb().toFixed(0)} MB`;
}

await ensureTree();
console.log(
  `tree: ${TOTAL} files (${TOTAL - TOTAL / 10} photos), ${TOP * SUB} leaf folders; page cache is warm after the first pass`,
);
const walks: Pass[] = [];
for (let i = 0; i < runs; i++) walks.push(await walkOnly());
console.log(summary('walk only', walks));
const scans: Pass[] = [];
for (let i = 0; i < runs; i++) scans.push(await walkAndStat());
console.log(summary(`walk + lstat (${concurrency} in flight)`, scans));
const target = 5000;
console.log(medianRate(scans) >= target ? `OK: ≥ ${target} files/s` : `BELOW TARGET: < ${target} files/s`);
