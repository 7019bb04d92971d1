// App service queries at scale (test): 100k photos with tags, every grid filter answered correctly (their speed: bench/app-query-bench.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call as callService } from '../support/service-calls.js';
import { REQUESTS, type RequestInput } from '../../src-main/shared/contract.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import {
  countSeeded as countWhere,
  SEED_LABELS as LABELS,
  seededStatus as statusOf,
  seedQueryLibrary,
} from '../../bench/query-library-seed.js';

let work: string;
let service: AppService;
let folderA: number;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-app-query-'));
  const libraryFile = path.join(work, 'library.db');
  folderA = seedQueryLibrary(libraryFile);
  service = new AppService({
    libraryFile,
    dataDir: work,
    modelPath: null,
    models: { dir: path.join(work, 'models'), catalogFile: null, mirror: null },
    urls: { thumb: (id) => `app://thumb/${id}`, preview: (id) => `app://preview/${id}` },
  });
  // Seeding 100k photos: 8–13 s at load average 5; the whole file took 78 s with two busy loops on top.
}, 300_000);

afterAll(async () => {
  await service.close();
  await rm(work, { recursive: true, force: true });
});

async function query(input: RequestInput<'images:query'>) {
  return { result: REQUESTS['images:query'].output.parse(await callService(service, 'images:query', input)) };
}

// No time is asserted here: how fast these answer is measured by `npm run bench` (app-query-bench), against
// its targets, where a loaded machine cannot fail the suite.
describe('images:query over 100k photos', () => {
  it('pages through everything in path order, deep pages included', async () => {
    const first = await query({ filter: {}, offset: 0, limit: 200 });
    const present = countWhere((n) => statusOf(n) !== 'missing');
    expect(first.result.total).toBe(present);
    expect(first.result.items[0]).toMatchObject({ path: '/photos/a/img-000002.jpg', name: 'img-000002.jpg' });
    expect(first.result.items[0]?.tags).toHaveLength(5);
    const deep = await query({ filter: {}, offset: present - 100, limit: 100 });
    expect(deep.result.items.at(-1)?.path).toBe('/photos/b/img-099999.jpg');
  });

  it('filters by tag with a score band, best first', async () => {
    const { result } = await query({
      filter: { tag: 'cat', minScore: 0.2, maxScore: 0.6 },
      offset: 0,
      limit: 100,
    });
    expect(result.total).toBeGreaterThan(10_000);
    const scores = result.items.map((i) => i.tags.find((t) => t.tag === 'cat')?.score ?? -1);
    expect(scores.every((s) => s >= 0.2 && s <= 0.6)).toBe(true);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    expect(result.items.every((i) => i.tags.find((t) => t.tag === 'cat')?.state !== 'rejected')).toBe(true);
  });

  it('filters by review state, folder and text', async () => {
    const cases: [RequestInput<'images:query'>['filter'], (n: number) => boolean][] = [
      [{ review: 'errors' }, (n) => statusOf(n) === 'error'],
      [{ review: 'untagged' }, () => false],
      [{ review: 'needs-review' }, (n) => statusOf(n) === 'ok' && n % 7 !== 0],
      [{ folderId: folderA }, (n) => n % 2 === 0 && statusOf(n) !== 'missing'],
      [{ text: 'img-0123' }, (n) => n >= 12300 && n <= 12399 && statusOf(n) !== 'missing'],
      [
        { folderId: folderA, review: 'errors', text: '5' },
        (n) => n % 2 === 0 && statusOf(n) === 'error' && String(n).padStart(6, '0').includes('5'),
      ],
    ];
    for (const [filter, expected] of cases) {
      const { result } = await query({ filter, offset: 0, limit: 1000 });
      expect(result.total, JSON.stringify(filter)).toBe(countWhere(expected));
    }
  });

  it('counts tags and folders', async () => {
    const tags = REQUESTS['tags:list'].output.parse(await callService(service, 'tags:list', {}));
    expect(tags.map((t) => t.tag).sort()).toEqual([...LABELS].sort());
    const folders = REQUESTS['library:listFolders'].output.parse(
      await callService(service, 'library:listFolders', {}),
    );
    expect(folders.map((f) => f.imageCount).reduce((x, y) => x + y)).toBe(
      countWhere((n) => statusOf(n) !== 'missing'),
    );
  });
});
