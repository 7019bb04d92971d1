// App query benchmark (bench, engine code in-process): the grid's requests to the app service over 100k photos, timed against targets.
// `npm run build && node out/bench/app-query-bench.js [--runs 5]` (part of `npm run bench`).

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseRequest, type RequestChannel, type RequestInput } from '../src-main/shared/contract.js';
import { AppService } from '../src-main/engine/service/app-service.js';
import { countSeeded, seededStatus, seedQueryLibrary } from './query-library-seed.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(values.runs);

/**
 * Pages of 200, as the grid asks for them (src-renderer's PAGE_SIZE). A page is asked for on every scroll and filter change: under 100 ms it feels immediate.
 * The tag list and folder cards are asked for after changes only: 200 ms. (The query test asserted 400 ms
 * on any machine; that is a stopwatch, and lives here now.)
 */
const PAGE_MS = 100;
const LIST_MS = 200;

const dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-app-query-bench-'));
const libraryFile = path.join(dir, 'library.db');
const seedStart = performance.now();
const folderA = seedQueryLibrary(libraryFile);
console.log(
  `App service queries over ${countSeeded(() => true)} photos (seeded in ${((performance.now() - seedStart) / 1000).toFixed(1)} s), median of ${RUNS} runs after one warm-up:`,
);
const service = new AppService({
  libraryFile,
  dataDir: dir,
  modelPath: null,
  models: { dir: path.join(dir, 'models'), catalogFile: null, mirror: null },
  urls: { thumb: (id) => `app://thumb/${id}`, preview: (id) => `app://preview/${id}` },
});

async function time<C extends RequestChannel>(
  name: string,
  channel: C,
  input: RequestInput<C>,
  targetMs: number,
) {
  // Validated as main's IPC wrapper does (defaults filled in), then timed in the service alone.
  const parsed = parseRequest(channel, input);
  await service.handle(channel, parsed as never);
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await service.handle(channel, parsed as never);
    samples.push(performance.now() - started);
  }
  const median = [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)] ?? Number.NaN;
  console.log(
    `${name.padEnd(52)} ${median.toFixed(1).padStart(8)} ms   target ≤ ${String(targetMs).padStart(3)} ms   ${median <= targetMs ? 'ok' : 'OVER'}`,
  );
}

try {
  const present = countSeeded((n) => seededStatus(n) !== 'missing');
  await time('grid: first page of 200', 'images:query', { filter: {}, offset: 0, limit: 200 }, PAGE_MS);
  await time(
    'grid: the last page',
    'images:query',
    { filter: {}, offset: present - 100, limit: 100 },
    PAGE_MS,
  );
  await time(
    'grid: tag "cat" with a score band, first 200',
    'images:query',
    { filter: { tag: 'cat', minScore: 0.2, maxScore: 0.6 }, offset: 0, limit: 200 },
    PAGE_MS,
  );
  for (const filter of [
    { review: 'errors' },
    { review: 'untagged' },
    { review: 'needs-review' },
    { folderId: folderA },
    { text: 'img-0123' },
    { folderId: folderA, review: 'errors', text: '5' },
  ] as const) {
    await time(
      `grid: ${JSON.stringify(filter)}, first 200`,
      'images:query',
      { filter, offset: 0, limit: 200 },
      PAGE_MS,
    );
  }
  await time('tags:list', 'tags:list', {}, LIST_MS);
  await time('library:listFolders', 'library:listFolders', {}, LIST_MS);
} finally {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
}
