// App service for the review screen (test): first run with the offline demo model, offline downloads explained, tag summaries with broader tags, bulk accept.
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call as callService } from '../support/service-calls.js';
import {
  EVENTS,
  REQUESTS,
  type JobSnapshotInfo,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
} from '../../src-main/shared/contract.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { Library } from '../../src-main/engine/library/library.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { PHOTOS_DIR } from '../support/run-cli.js';

let work: string;
let service: AppService;

async function call<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<RequestOutput<C>> {
  return REQUESTS[channel].output.parse(await callService(service, channel, input)) as RequestOutput<C>;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const finished = (j: JobSnapshotInfo) => ['done', 'cancelled', 'failed'].includes(j.state);

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-app-review-'));
  // A library with ImageNet-labelled tags, as a ResNet leaves it, seeded before the service opens it.
  const library = Library.open(path.join(work, 'data', 'library.db'));
  const model = library.ensureModel('resnet-sha', 'resnet50.onnx');
  const seeded: [string, [string, string, number][]][] = [
    [
      '/seed/a.jpg',
      [
        ['golden retriever', 'n02099601', 0.9],
        ['tennis ball', 'n04409515', 0.05],
      ],
    ],
    ['/seed/b.jpg', [['golden retriever', 'n02099601', 0.6]]],
    ['/seed/c.jpg', [['tabby', 'n02123045', 0.8]]],
    // A colour model's "orange" (no WordNet id) is not ImageNet's orange, the fruit.
    ['/seed/d.jpg', [['orange', '', 0.7]]],
  ];
  for (const [file, predictions] of seeded) {
    const { id } = library.insertImage(
      { path: Buffer.from(file), display: file, size: 1, mtimeMs: 1, devIno: `0:${file}` },
      null,
      1,
    );
    library.recordSuccess(id, {
      modelId: model,
      provider: 'cpu',
      classifiedAt: '2026-01-01T00:00:00.000Z',
      sha256: `sha-${id}`,
      size: 1,
      format: 'jpeg',
      width: 1,
      height: 1,
      predictions: predictions.map(([label, wnid, score], index) => ({ index, label, wnid, score })),
    });
  }
  library.close();
  service = new AppService({
    libraryFile: path.join(work, 'data', 'library.db'),
    dataDir: path.join(work, 'data'),
    // No model anywhere: the first run.
    modelPath: null,
    // An address that cannot resolve: downloads fail as they do without a network.
    models: {
      dir: path.join(work, 'models'),
      catalogFile: null,
      mirror: 'http://skiptag-offline.invalid/zoo/',
    },
    workerOptions: { threads: 1, batchSize: 4 },
    urls: { thumb: (id) => `/thumb/${id}`, small: (id) => `/small/${id}`, preview: (id) => `/preview/${id}` },
    prewarmThumbnails: false,
    catchUpOnStart: false,
  });
  service.on('event', (channel, payload) => void EVENTS[channel].parse(payload));
  await call('settings:set', { ep: 'cpu' });
});

afterAll(async () => {
  await service?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('tags for the review screen', () => {
  it('lists tags with counts by state and their broader tags from the WordNet hierarchy', async () => {
    const summary = await call('tags:summary', { minScore: 0.1 });
    expect(summary).toEqual([
      {
        tag: 'golden retriever',
        suggested: 2,
        accepted: 0,
        rejected: 0,
        photos: 2,
        parents: ['dog', 'animal'],
      },
      { tag: 'orange', suggested: 1, accepted: 0, rejected: 0, photos: 1, parents: [] },
      { tag: 'tabby', suggested: 1, accepted: 0, rejected: 0, photos: 1, parents: ['cat', 'animal'] },
    ]);
    const histogram = await call('tags:histogram', { tag: 'golden retriever' });
    expect(histogram.bins[90]).toBe(1);
    expect(histogram.bins[60]).toBe(1);
    const overview = await call('library:overview', { suggestionMin: 0.1 });
    expect(overview).toMatchObject({ all: 4, needsReview: 4, untagged: 0 });
  });

  it('accepts every suggestion above a threshold in one request, after saying how many', async () => {
    expect(await call('tags:acceptAbove', { tag: 'golden retriever', minScore: 0.8, dryRun: true })).toEqual({
      suggestions: 1,
      photos: 1,
      groups: [],
    });
    const accepted = await call('tags:acceptAbove', { tag: 'golden retriever', minScore: 0.8 });
    expect(accepted.groups).toEqual([{ tag: 'golden retriever', imageIds: [1] }]);
    const [summary] = await call('tags:summary', { minScore: 0.1 });
    expect(summary).toMatchObject({ tag: 'golden retriever', suggested: 1, accepted: 1 });
    // The contract refuses a threshold of 0: "accept everything" is not a threshold.
    await expect(callService(service, 'tags:acceptAbove', { minScore: 0 })).rejects.toMatchObject({
      code: 'bad_request',
    });
  });
});

describe('first run without a model', () => {
  it('explains an offline download in words, offers the demo, and starts the waiting folder once it is in', async () => {
    const photos = path.join(work, 'photos');
    const expected = await writeColourPhotos(photos);
    await call('library:addFolders', { paths: [photos] });
    // The scan waits for a model: it fails with model_not_found and is remembered.
    const waiting = await until('the scan to fail for want of a model', async () =>
      (await call('jobs:list', {})).find((j) => j.kind === 'tag' && finished(j)),
    );
    expect(waiting.error?.code).toBe('model_not_found');

    const download = await call('models:install', { id: 'resnet50-v2-7' });
    const failed = await until('the download to fail', async () =>
      (await call('jobs:list', {})).find((j) => j.id === download.id && finished(j)),
    );
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('download_failed');
    expect(failed.error?.message).toMatch(
      /^no internet connection: could not reach skiptag-offline\.invalid \(E/,
    );

    const listed = await call('models:list', {});
    expect(listed.find((m) => m.source === 'demo')).toMatchObject({ id: 'colours-demo', installed: false });
    const demo = await call('models:installDemo', {});
    expect(demo).toMatchObject({ id: 'colours-demo', source: 'demo', installed: true });
    expect((await call('settings:get', {})).model).toBe('colours-demo');
    // Beside the failed download's partial folder (kept so a later download resumes).
    expect((await readdir(path.join(work, 'models'))).filter((f) => !f.startsWith('.')).sort()).toEqual([
      'colours-demo.labels.txt',
      'colours-demo.onnx',
    ]);

    // The folder that waited is tagged without being added again.
    const folder = (await call('library:listFolders', {}))[0];
    await until('the waiting folder to be tagged', async () => {
      const jobs = await call('jobs:list', {});
      const rerun = jobs.find((j) => j.kind === 'tag' && j.id > download.id);
      return rerun && finished(rerun) ? rerun : undefined;
    });
    const page = await call('images:query', { filter: { folderId: folder?.id }, offset: 0, limit: 100 });
    expect(page.total).toBe(expected.size);
    for (const item of page.items) expect(item.tags[0]?.tag, item.name).toBe(expected.get(item.name));
  });

  it('starts what waits for a model when one is chosen in the settings, too', async () => {
    // The model goes away (deleted by hand); a folder added now waits for one.
    await call('settings:set', { model: null });
    const models = path.join(work, 'models');
    const kept = path.join(work, 'kept');
    await mkdir(kept);
    for (const file of await readdir(models)) await rename(path.join(models, file), path.join(kept, file));
    const more = path.join(work, 'more');
    await writeColourPhotos(more);
    await copyFile(path.join(PHOTOS_DIR, 'kite.jpg'), path.join(more, 'kite.jpg'));
    const before = (await call('jobs:list', {})).at(-1)?.id ?? 0;
    await call('library:addFolders', { paths: [more] });
    const waiting = await until('the scan to fail for want of a model', async () =>
      (await call('jobs:list', {})).find((j) => j.id > before && j.kind === 'tag' && finished(j)),
    );
    expect(waiting.error?.code).toBe('model_not_found');
    // The user puts a model back and picks it in the settings: the waiting folder starts by itself.
    for (const file of await readdir(kept)) await rename(path.join(kept, file), path.join(models, file));
    await call('settings:set', { model: 'colours-demo' });
    await until('the waiting folder to be tagged', async () => {
      const folder = (await call('library:listFolders', {})).find((f) => f.path.endsWith(`${path.sep}more`));
      if (!folder) return undefined;
      const page = await call('images:query', { filter: { folderId: folder.id }, offset: 0, limit: 10 });
      return page.total === 7 && page.items.every((item) => item.tags.length > 0) ? page : undefined;
    });
    // The worker read the date taken while it decoded the photo; the grid can sort by it.
    const folder = (await call('library:listFolders', {})).find((f) => f.path.endsWith(`${path.sep}more`));
    const byDate = await call('images:query', {
      filter: { folderId: folder?.id },
      offset: 0,
      limit: 1,
      sort: { by: 'taken', descending: true },
    });
    expect(byDate.items[0]).toMatchObject({ name: 'kite.jpg', takenAt: '2010-06-06T12:27:25' });
  });

  it('renders the grid’s small thumbnail and the viewer’s actual pixels; only the thumbnails are cached', async () => {
    const page = await call('images:query', {
      filter: { text: 'kite.jpg' },
      offset: 0,
      limit: 1,
    });
    const kite = page.items[0];
    if (!kite) throw new Error('kite.jpg is not in the library');
    expect(kite.smallThumbUrl).toBe(kite.thumbUrl.replace('thumb', 'small'));
    const widths: Record<string, number | undefined> = {};
    for (const variant of ['small', 'thumb', 'preview', 'full'] as const) {
      const jpeg = await service.image(kite.id, variant);
      if (!jpeg) throw new Error(`no ${variant} picture`);
      widths[variant] = (await sharp(jpeg).metadata()).width;
    }
    expect(widths).toEqual({ small: 176, thumb: 256, preview: 1024, full: 1352 });
    const cached = await readdir(path.join(work, 'data', 'thumbs'));
    expect(cached.some((f) => f.endsWith(`-176.jpg`))).toBe(true);
    expect(cached.some((f) => f.endsWith(`-8192.jpg`))).toBe(false);
  });

  it('imports a model file dropped or picked in the window, with the labels dropped beside it', async () => {
    const incoming = path.join(work, 'incoming');
    const model = await writeColourModel(incoming);
    const named = path.join(incoming, 'My Colours (v2).onnx');
    await rename(model, named);
    const labels = path.join(incoming, 'class names.txt');
    await rename(model.replace(/\.onnx$/, '.labels.txt'), labels);
    await call('settings:set', { model: null });
    expect(await call('library:addFolders', { paths: [named, labels] })).toEqual([]);
    const listed = (await call('models:list', {})).find((m) => m.id === 'my-colours-v2');
    expect(listed).toMatchObject({ source: 'imported', installed: true });
    // No model was chosen: the imported one is.
    expect((await call('settings:get', {})).model).toBe('my-colours-v2');

    const fake = path.join(incoming, 'not-a-model.onnx');
    await writeFile(fake, 'these are not weights');
    await expect(callService(service, 'library:addFolders', { paths: [fake] })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(/^cannot import not-a-model\.onnx: /) as unknown,
    });
    expect((await call('models:list', {})).some((m) => m.id === 'not-a-model')).toBe(false);
  });
});
