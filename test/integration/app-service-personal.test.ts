// App service personal tags and similar photos (test): decisions retrain the classifiers (debounced), More like this, least certain first.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call as callService } from '../support/service-calls.js';
import {
  REQUESTS,
  type ImageSummary,
  type JobSnapshotInfo,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
} from '../../src-main/shared/contract.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { PersonalScorer } from '../../src-main/engine/learning/personal-scorer.js';
import { Library } from '../../src-main/engine/library/library.js';
import { writeColourModel } from '../support/colour-photos.js';

let work: string;
let service: AppService;
let items: ImageSummary[];
const logs: string[] = [];
const REDS = [
  [200, 40, 30],
  [210, 70, 40],
  [190, 50, 50],
  [220, 60, 30],
  [180, 30, 20],
  [230, 60, 60],
  [205, 45, 35],
];
const BLUES = [
  [40, 90, 200],
  [30, 120, 210],
  [50, 110, 190],
  [20, 100, 220],
  [60, 100, 230],
  [40, 130, 180],
  [45, 95, 215],
];

async function call<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<RequestOutput<C>> {
  return REQUESTS[channel].output.parse(await callService(service, channel, input)) as RequestOutput<C>;
}

async function until<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const idOf = (name: string) => items.find((i) => i.name === name)?.id ?? -1;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-app-personal-'));
  const modelPath = await writeColourModel(path.join(work, 'model'));
  const photos = path.join(work, 'photos');
  await mkdir(photos);
  for (const [group, shades] of [
    ['red', REDS],
    ['blue', BLUES],
  ] as const) {
    for (const [i, rgb] of shades.entries()) {
      const pixels = Buffer.alloc(96 * 64 * 3);
      for (let p = 0; p < pixels.length; p++) pixels[p] = rgb[p % 3] ?? 0;
      await sharp(pixels, { raw: { width: 96, height: 64, channels: 3 } })
        .png()
        .toFile(path.join(photos, `${group}-${i}.png`));
    }
  }
  const dataDir = path.join(work, 'data');
  service = new AppService({
    libraryFile: path.join(dataDir, 'library.db'),
    dataDir,
    modelPath,
    models: { dir: path.join(dataDir, 'models'), catalogFile: null, mirror: null },
    workerOptions: { threads: 1, batchSize: 4 },
    urls: { thumb: (id) => `/thumb/${id}`, preview: (id) => `/preview/${id}` },
    prewarmThumbnails: false,
    onLog: (level, message) => logs.push(`${level}: ${message}`),
  });
  await call('settings:set', { ep: 'cpu' });
  await call('library:addFolders', { paths: [photos] });
  await until('the tag job', async () => {
    const job: JobSnapshotInfo | undefined = (await call('jobs:list', {})).find((j) => j.kind === 'tag');
    return job && job.state === 'done' ? job : null;
  });
  items = (await call('images:query', { filter: {}, offset: 0, limit: 100 })).items;
  expect(items).toHaveLength(14);
});

afterAll(async () => {
  await service?.close();
  await rm(work, { recursive: true, force: true });
});

describe('personal tags in the app', () => {
  it('learns from the user’s tags a few seconds after the last decision and suggests them on the rest', async () => {
    expect(await call('personal:list', {})).toEqual([]);
    await call('tags:add', { imageIds: [0, 1, 2, 3, 4].map((i) => idOf(`red-${i}.png`)), tag: 'our cabin' });
    await call('tags:add', { imageIds: [0, 1, 2, 3, 4].map((i) => idOf(`blue-${i}.png`)), tag: 'beach' });
    const learned = await until('the retraining', async () => {
      const list = await call('personal:list', {});
      return list.length === 2 ? list : null;
    });
    expect(learned.map((t) => [t.tag, t.positives, t.negatives])).toEqual([
      ['beach', 5, 5],
      ['our cabin', 5, 5],
    ]);
    expect(logs.some((l) => l.includes('personal tags: 2 learned'))).toBe(true);
    const detail = await call('images:get', { imageId: idOf('red-6.png') });
    expect(detail.tags.filter((t) => t.source === 'personal').map((t) => t.tag)).toEqual(['our cabin']);
  });

  it('orders the undecided photos least certain first for a personal tag', async () => {
    const { imageIds } = await call('personal:leastCertain', { tag: 'our cabin', limit: 100 });
    // Every photo without a decision on this tag (the beach photos were decided on "beach" only).
    const decided = [0, 1, 2, 3, 4].map((i) => idOf(`red-${i}.png`));
    expect([...imageIds].sort((a, b) => a - b)).toEqual(
      items
        .map((i) => i.id)
        .filter((id) => !decided.includes(id))
        .sort((a, b) => a - b),
    );
    // Least certain first: |p − 0.5| of the tag's classifier never decreases along the list.
    const library = Library.open(path.join(work, 'data', 'library.db'));
    try {
      const modelId = library.embeddings.models()[0]?.modelId ?? -1;
      const scorer = PersonalScorer.load(library, modelId, null);
      const doubt = imageIds.map((id) => {
        const embedding = library.embeddings.get(id, modelId);
        const score = embedding
          ? scorer.scores(embedding).find((s) => s.tag === 'our cabin')?.score
          : undefined;
        return Math.abs((score ?? NaN) - 0.5);
      });
      doubt.forEach((d, i) => expect(d).toBeGreaterThanOrEqual((doubt[i - 1] ?? 0) - 1e-9));
    } finally {
      library.close();
    }
    expect((await call('personal:leastCertain', { tag: 'no such tag', limit: 10 })).imageIds).toEqual([]);
  });
});

describe('similar photos in the app', () => {
  it('answers More like this with the photo’s own group first, and the grid shows a list in its order', async () => {
    const red = idOf('red-0.png');
    const similar = await call('images:similar', { imageId: red, top: 13 });
    expect(similar.off).toBeNull();
    expect(similar.items).toHaveLength(13);
    const reds = new Set(REDS.map((_, i) => idOf(`red-${i}.png`)));
    expect(similar.items.slice(0, 6).every((n) => reds.has(n.imageId))).toBe(true);
    const ids = [red, ...similar.items.map((n) => n.imageId)];
    const page = await call('images:query', { filter: { imageIds: ids }, offset: 0, limit: 5 });
    expect(page.total).toBe(14);
    expect(page.items.map((i) => i.id)).toEqual(ids.slice(0, 5));
    await expect(
      callService(service, 'images:query', { filter: { imageIds: [red, red] }, offset: 0, limit: 5 }),
    ).rejects.toThrow();
  });

  it('finds near-duplicate groups and says why there are none for a photo without features', async () => {
    const { groups, off } = await call('images:nearDuplicates', { minSimilarity: 0.5 });
    expect(off).toBeNull();
    expect(groups.flat().length).toBeGreaterThan(0);
    expect((await call('images:similar', { imageId: 999_999, top: 5 })).off).toContain('no features');
  });
});
