// Unit test (engine): the input walker on a generated tree of 20,000 files: throughput and flat memory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { countInputs, walkInputs } from '../../src-main/engine/scan/walker.js';

const FOLDERS = 100;
const PER_FOLDER = 200;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiptag-walker-scale-'));

beforeAll(() => {
  for (let f = 0; f < FOLDERS; f++) {
    const dir = path.join(root, `year-${String(f).padStart(3, '0')}`, 'event');
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < PER_FOLDER; i++) fs.writeFileSync(path.join(dir, `IMG_${i}.jpg`), '');
    fs.writeFileSync(path.join(dir, 'notes.txt'), '');
  }
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

it(`walks ${FOLDERS * PER_FOLDER} files with flat memory (files/s and heap printed below)`, async () => {
  let files = 0;
  let skipped = 0;
  const heapAtStart = process.memoryUsage().heapUsed;
  let heapPeak = heapAtStart;
  const started = performance.now();
  for await (const item of walkInputs([root])) {
    if (item.kind === 'file') files++;
    else if (item.kind === 'skipped') skipped++;
    if ((files & 1023) === 0) heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }
  const seconds = (performance.now() - started) / 1000;
  const growthMiB = (heapPeak - heapAtStart) / 2 ** 20;
  console.log(
    `walker: ${files} files in ${seconds.toFixed(2)} s = ${Math.round(files / seconds)} files/s; ` +
      `peak heap growth ${growthMiB.toFixed(1)} MiB`,
  );
  expect(files).toBe(FOLDERS * PER_FOLDER);
  expect(skipped).toBe(FOLDERS);
  // A loose smoke bound, not a proof: GC noise hides a few MiB. Laziness itself is checked in
  // walker.test.ts ("streams"); here the printed growth should stay near zero as the tree grows.
  expect(growthMiB).toBeLessThan(64);
  expect(await countInputs([root])).toBe(files);
});
