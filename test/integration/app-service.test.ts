// App service (test): folders → tagging job → grid queries, tag decisions, exports, settings, validation and events.
import {
  copyFile,
  mkdir,
  mkdtemp,
  readFile,
  realpath,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call as callService, exportTo } from '../support/service-calls.js';
import {
  EVENTS,
  REQUESTS,
  type EventChannel,
  type ImageSummary,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
} from '../../src-main/shared/contract.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { AppError } from '../../src-main/shared/errors.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';

let work: string;
let photos: string;
let service: AppService;
let modelPath: string;
const events: { channel: EventChannel; payload: unknown; at: number }[] = [];

const urls = { thumb: (id: number) => `/thumb/${id}`, preview: (id: number) => `/preview/${id}` };

function openService(): AppService {
  const opened = new AppService({
    libraryFile: path.join(work, 'data', 'library.db'),
    dataDir: path.join(work, 'data'),
    modelPath,
    models: { dir: path.join(work, 'models'), catalogFile: null, mirror: null },
    workerOptions: { threads: 1, batchSize: 4 },
    urls,
    watcher: { stabilityMs: 300, pollIntervalMs: 50 },
  });
  opened.on('event', (channel, payload) => {
    // Every event must satisfy the contract, whatever the test looks at.
    EVENTS[channel].parse(payload);
    events.push({ channel, payload, at: performance.now() });
  });
  return opened;
}

/** A request through handle(), its result checked against the contract's output schema. */
async function call<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<RequestOutput<C>> {
  const result = await callService(service, channel, input);
  return REQUESTS[channel].output.parse(result) as RequestOutput<C>;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function idle(): Promise<void> {
  await until('jobs to finish', async () => {
    const jobs = await call('jobs:list', {});
    return jobs.every((j) => ['done', 'cancelled', 'failed'].includes(j.state)) ? true : undefined;
  });
}

async function all(filter: RequestInput<'images:query'>['filter'] = {}): Promise<ImageSummary[]> {
  return (await call('images:query', { filter, offset: 0, limit: 1000 })).items;
}

const byName = (items: ImageSummary[], name: string) => {
  const found = items.find((i) => i.name === name);
  if (!found) throw new Error(`no ${name} in ${items.map((i) => i.name).join(', ')}`);
  return found;
};

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-app-'));
  modelPath = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  await writeColourPhotos(photos);
  await writeFile(path.join(photos, 'broken.jpg'), 'not a photo at all');
  service = openService();
  // Before any job: the engine must start with these.
  await call('settings:set', { ep: 'cpu' });
});

afterAll(async () => {
  await service.close();
  await rm(work, { recursive: true, force: true });
});

describe('AppService', () => {
  it('adds a folder, runs a tagging job and lists every photo with its tags', async () => {
    // A link to the folder and the folder itself are one folder, kept by its real path.
    const link = path.join(work, 'link-to-photos');
    await symlink(photos, link);
    const added = await call('library:addFolders', { paths: [link, photos] });
    expect(added).toMatchObject([{ path: await realpath(photos), watched: true }]);
    await idle();
    const jobs = await call('jobs:list', {});
    expect(jobs.at(-1)).toMatchObject({ kind: 'tag', state: 'done', progress: { done: 7, failed: 1 } });

    const page = await call('images:query', { filter: {}, offset: 0, limit: 100 });
    expect(page.total).toBe(7);
    const red = byName(page.items, 'red-photo.jpg');
    expect(red).toMatchObject({ status: 'ok', thumbUrl: `/thumb/${red.id}`, width: 300, height: 200 });
    expect(red.tags[0]).toMatchObject({ tag: 'red', state: 'suggested', source: 'auto' });
    expect(red.tags).toHaveLength(5);
    for (const name of ['green-photo.png', 'blue-photo.webp', 'yellow-photo.jpg', 'white-photo.png']) {
      expect(byName(page.items, name).tags[0]?.tag).toBe(name.split('-')[0]);
    }
    expect(byName(page.items, 'broken.jpg')).toMatchObject({ status: 'error', tags: [] });
    // Paging: path order, consistent totals.
    const second = await call('images:query', { filter: {}, offset: 5, limit: 5 });
    expect(second.total).toBe(7);
    expect(second.items.map((i) => i.id)).toEqual(page.items.slice(5).map((i) => i.id));

    const [folder] = await call('library:listFolders', {});
    expect(folder).toMatchObject({ imageCount: 7, watched: true });
    expect(folder?.lastScanAt).not.toBeNull();
    expect((await call('settings:get', {})).providerInUse).toBe('cpu');
  });

  it('serves thumbnails (JPEG ≤ 256 px, cached) and previews; none for a broken file', async () => {
    const items = await all();
    const yellow = byName(items, 'yellow-photo.jpg'); // 591 × 383
    const thumb = await service.image(yellow.id, 'thumb');
    expect(thumb).toBeInstanceOf(Buffer);
    const meta = await sharp(thumb ?? undefined).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 256, height: 166 });
    for (const item of items.filter((i) => i.status === 'ok')) {
      const { width, height, format } = await sharp(
        (await service.image(item.id, 'thumb')) ?? undefined,
      ).metadata();
      expect(format).toBe('jpeg');
      expect(Math.max(width, height)).toBeLessThanOrEqual(256);
    }
    const cached = await readFile(
      path.join(work, 'data', 'thumbs', (await cacheFiles(`${yellow.id}-`, '-256.jpg'))[0] ?? ''),
    );
    expect(cached.equals(thumb ?? Buffer.alloc(0))).toBe(true);
    const preview = await service.image(yellow.id, 'preview');
    expect(await sharp(preview ?? undefined).metadata()).toMatchObject({ width: 591, height: 383 });
    expect(await service.image(byName(items, 'broken.jpg').id, 'thumb')).toBeNull();
    expect(await service.image(999_999, 'thumb')).toBeNull();
  });

  it('filters by tag and score band, folder and text', async () => {
    const red = await all({ tag: 'red' });
    expect(red[0]?.name).toBe('red-photo.jpg');
    const scores = red.map((i) => i.tags.find((t) => t.tag === 'red')?.score ?? -1);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect((await all({ tag: 'red', minScore: 0.5 })).map((i) => i.name)).toEqual(['red-photo.jpg']);
    const band = await all({ tag: 'red', minScore: 0, maxScore: 0.5 });
    expect(band.map((i) => i.name)).not.toContain('red-photo.jpg');
    for (const item of band) {
      const score = item.tags.find((t) => t.tag === 'red')?.score ?? -1;
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(0.5);
    }
    const [folder] = await call('library:listFolders', {});
    expect(await all({ folderId: folder?.id })).toHaveLength(7);
    expect(await call('images:query', { filter: { folderId: 999 }, offset: 0, limit: 10 })).toEqual({
      total: 0,
      items: [],
    });
    expect((await all({ text: 'BLUE' })).map((i) => i.name)).toEqual(['blue-photo.webp']);
    expect(await all({ text: '%' })).toEqual([]);
  });

  it('filters by review state and reports errors', async () => {
    expect((await all({ review: 'errors' })).map((i) => i.name)).toEqual(['broken.jpg']);
    expect(await all({ review: 'untagged' })).toEqual([]);
    expect(await all({ review: 'needs-review' })).toHaveLength(6);
    const errors = await call('images:errors', { limit: 10 });
    expect(errors).toEqual([
      expect.objectContaining({ path: path.join(photos, 'broken.jpg'), code: 'corrupt' }),
    ]);
  });

  it('accepts, rejects and undoes tag decisions in bulk; adds and removes user tags', async () => {
    const items = await all();
    const red = byName(items, 'red-photo.jpg');
    const green = byName(items, 'green-photo.png');
    const black = byName(items, 'black-photo.webp');
    const redScore = red.tags.find((t) => t.tag === 'red')?.score;

    expect(
      await call('tags:setState', { imageIds: [red.id, green.id], tag: 'red', state: 'accepted' }),
    ).toEqual({
      changed: 2,
    });
    let now = await all();
    expect(byName(now, 'red-photo.jpg').tags[0]).toMatchObject({
      tag: 'red',
      state: 'accepted',
      score: redScore,
    });
    expect(await all({ review: 'needs-review' })).toHaveLength(4);

    await call('tags:setState', { imageIds: [red.id], tag: 'red', state: 'rejected' });
    expect(byName(await all(), 'red-photo.jpg').tags.at(-1)).toMatchObject({ tag: 'red', state: 'rejected' });
    expect((await all({ tag: 'red' })).map((i) => i.name)).not.toContain('red-photo.jpg');

    // Undo: back to the model's suggestion with the model's score.
    expect(
      await call('tags:setState', { imageIds: [red.id, green.id], tag: 'red', state: 'suggested' }),
    ).toEqual({
      changed: 2,
    });
    now = await all();
    expect(byName(now, 'red-photo.jpg').tags[0]).toEqual({
      tag: 'red',
      score: redScore,
      state: 'suggested',
      source: 'auto',
    });

    await call('tags:add', { imageIds: [red.id, black.id], tag: '  Holiday 2026 ' });
    now = await all();
    expect(byName(now, 'black-photo.webp').tags[0]).toEqual({
      tag: 'Holiday 2026',
      score: null,
      state: 'accepted',
      source: 'user',
    });
    expect((await all({ tag: 'Holiday 2026' })).map((i) => i.name).sort()).toEqual([
      'black-photo.webp',
      'red-photo.jpg',
    ]);
    expect(await call('tags:list', {})).toContainEqual({ tag: 'Holiday 2026', count: 2 });
    // Undoing a user's tag removes it: the model never suggested it.
    expect(
      await call('tags:setState', { imageIds: [black.id], tag: 'Holiday 2026', state: 'suggested' }),
    ).toEqual({
      changed: 1,
    });
    expect(await call('tags:remove', { imageIds: [red.id, black.id], tag: 'Holiday 2026' })).toEqual({
      changed: 1,
    });
    expect((await call('tags:list', {})).map((t) => t.tag)).not.toContain('Holiday 2026');

    // Rejecting every suggestion leaves a photo untagged.
    for (const chip of byName(await all(), 'black-photo.webp').tags) {
      await call('tags:setState', { imageIds: [black.id], tag: chip.tag, state: 'rejected' });
    }
    expect((await all({ review: 'untagged' })).map((i) => i.name)).toEqual(['black-photo.webp']);
    const changed = events.filter((e) => e.channel === 'library:changed').map((e) => e.payload);
    expect(changed).toContainEqual({ imageIds: [black.id] });
  });

  it('describes one photo with its latest predictions', async () => {
    const red = byName(await all(), 'red-photo.jpg');
    const detail = await call('images:get', { imageId: red.id });
    expect(detail).toMatchObject({
      id: red.id,
      previewUrl: `/preview/${red.id}`,
      format: 'jpeg',
      model: 'colours.onnx',
      provider: 'cpu',
      errorCode: null,
    });
    expect(detail.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(detail.predictions.map((p) => p.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(detail.predictions[0]).toMatchObject({ label: 'red' });
    await expect(callService(service, 'images:get', { imageId: 424242 })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('exports a selection as wide and long CSV, a filter as JSON', async () => {
    const items = await all();
    const red = byName(items, 'red-photo.jpg');
    const green = byName(items, 'green-photo.png');
    await call('tags:setState', { imageIds: [green.id], tag: 'green', state: 'accepted' });
    const wide = path.join(work, 'out', 'wide.csv');
    await mkdir(path.dirname(wide), { recursive: true });
    const selection = {
      format: 'csv',
      layout: 'wide',
      scope: 'selection',
      imageIds: [red.id, green.id],
      bom: true,
    } as const;
    expect(await exportTo(service, selection, wide)).toEqual({ path: wide, count: 2 });
    const wideBytes = await readFile(wide);
    expect([...wideBytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(wideBytes, { columns: true, bom: true }) as Record<string, string>[];
    expect(rows.map((r) => path.basename(r.path ?? ''))).toEqual(['green-photo.png', 'red-photo.jpg']);
    expect(rows[0]).toMatchObject({ label: 'green', accepted_tags: 'green' });

    const long = path.join(work, 'out', 'long.csv');
    await exportTo(service, { ...selection, layout: 'long', bom: false }, long);
    const longRows = parse(await readFile(long), { columns: true }) as Record<string, string>[];
    expect(longRows.filter((r) => r.path === green.path).map((r) => r.state)).toContain('accepted');
    expect(new Set(longRows.map((r) => r.path))).toEqual(new Set([red.path, green.path]));

    const json = path.join(work, 'out', 'filtered.json');
    const result = await exportTo(
      service,
      { format: 'json', scope: 'filter', filter: { tag: 'green', minScore: 0.5, review: 'all' } },
      json,
    );
    expect(result.count).toBe(1);
    const records = JSON.parse(await readFile(json, 'utf8')) as { path: string; acceptedTags: string[] }[];
    expect(records).toEqual([expect.objectContaining({ path: green.path, acceptedTags: ['green'] })]);

    const everything = await exportTo(
      service,
      { format: 'csv', scope: 'all' },
      path.join(work, 'out', 'all.csv'),
    );
    expect(everything.count).toBe(7);
    await expect(callService(service, 'export:run', { format: 'csv', scope: 'all' })).rejects.toMatchObject({
      code: 'unsupported',
    });
    await expect(
      exportTo(service, { format: 'csv', scope: 'selection' }, path.join(work, 'x.csv')),
    ).rejects.toThrow(/needs imageIds/);
  });

  it('rejects invalid input with a clear error', async () => {
    const reject = async (channel: string, input: unknown, message: RegExp) => {
      const error = await callService(service, channel, input).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(AppError);
      expect(error).toMatchObject({
        code: 'bad_request',
        message: expect.stringMatching(message) as unknown,
      });
    };
    await reject('library:nope', {}, /unknown request channel "library:nope"/);
    await reject(
      'images:get',
      { imageId: 1, extra: true },
      /invalid images:get request: .*Unrecognized key.*extra/,
    );
    await reject('tags:add', { imageIds: [-1], tag: 'x' }, /imageIds\.0/);
    await reject('tags:add', { imageIds: [1], tag: 'bell\u0007' }, /tag: no control characters/);
    await reject('images:query', { filter: {}, offset: 0, limit: 5000 }, /limit/);
    await reject('library:addFolders', { paths: ['/dev/null'] }, /not a folder or a file/);
    await reject('library:addFolders', { paths: [path.join(work, 'nowhere')] }, /nowhere.*does not exist/);
    await expect(callService(service, 'library:pickFolders', {})).rejects.toMatchObject({
      code: 'unsupported',
      message: expect.stringMatching(/app shell/) as unknown,
    });
    expect(await call('library:removeFolder', { folderId: 999 })).toEqual({ ok: false });
    await expect(callService(service, 'library:rescan', { folderId: 999 })).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(await call('jobs:cancel', { jobId: 999 })).toEqual({ ok: false });
  });

  it('pauses, resumes and cancels jobs; emits throttled progress and library changes', async () => {
    const [folder] = await call('library:listFolders', {});
    const first = await call('library:rescan', { folderId: folder?.id ?? 0 });
    const second = await call('library:rescan', { folderId: folder?.id ?? 0 });
    const third = await call('library:rescan', { folderId: folder?.id ?? 0 });
    expect(await call('jobs:pause', { jobId: second.id })).toEqual({ ok: true });
    expect(await call('jobs:cancel', { jobId: third.id })).toEqual({ ok: true });
    await until('first rescan', async () =>
      (await call('jobs:list', {})).find((j) => j.id === first.id && j.state === 'done'),
    );
    expect((await call('jobs:list', {})).find((j) => j.id === second.id)?.state).toBe('paused');
    expect(await call('jobs:resume', { jobId: second.id })).toEqual({ ok: true });
    await idle();
    const states = (id: number) =>
      events
        .filter((e) => e.channel === 'jobs:progress' && (e.payload as { id: number }).id === id)
        .map((e) => (e.payload as { state: string }).state);
    expect(states(second.id)).toEqual(expect.arrayContaining(['queued', 'paused', 'running', 'done']));
    expect(states(third.id).at(-1)).toBe('cancelled');
    // Between state changes, at most one progress event per 100 ms (a little slack for timer jitter).
    const running = events.filter(
      (e) => e.channel === 'jobs:progress' && (e.payload as { id: number; state: string }).id === first.id,
    );
    for (let i = 1; i < running.length; i++) {
      const [a, b] = [running[i - 1], running[i]];
      if (a && b && (a.payload as { state: string }).state === (b.payload as { state: string }).state) {
        expect(b.at - a.at).toBeGreaterThanOrEqual(90);
      }
    }
    expect(
      events.some((e) => e.channel === 'library:changed' && (e.payload as { folders?: boolean }).folders),
    ).toBe(true);
  });

  it('tags photos copied into a watched folder and drops deleted ones', async () => {
    await service.watching();
    const before = events.length;
    await copyFile(path.join(photos, 'blue-photo.webp'), path.join(photos, 'arrived.webp'));
    const arrived = await until('the arrived photo to be tagged', async () => {
      const item = (await all({ text: 'arrived' }))[0];
      return item?.status === 'ok' ? item : undefined;
    });
    expect(arrived.tags[0]).toMatchObject({ tag: 'blue', state: 'suggested' });
    expect(events.slice(before).some((e) => e.channel === 'library:changed')).toBe(true);
    expect((await call('jobs:list', {})).some((j) => j.kind === 'watch' && j.state === 'done')).toBe(true);
    await unlink(path.join(photos, 'arrived.webp'));
    await until('the deleted photo to go', async () =>
      (await all({ text: 'arrived' })).length === 0 ? true : undefined,
    );
  });

  it('persists settings, reopens with them, and removes a folder with its photos', async () => {
    const settings = await call('settings:set', { threshold: 0.2, topK: 3 });
    const xmpDefaults = { xmpMode: 'sidecar', xmpNaming: 'ext', xmpMinScore: 0, pairPrimary: 'raw' };
    expect(settings).toEqual({
      model: null,
      ep: 'cpu',
      providerInUse: null,
      threshold: 0.2,
      topK: 3,
      ...xmpDefaults,
    });
    expect(JSON.parse(await readFile(path.join(work, 'data', 'settings.json'), 'utf8'))).toEqual({
      model: null,
      ep: 'cpu',
      threshold: 0.2,
      topK: 3,
      ...xmpDefaults,
    });
    await expect(callService(service, 'settings:set', { topK: 0 })).rejects.toMatchObject({
      code: 'bad_request',
    });
    // The window names installed models, never files: a path is refused whether or not a model is there,
    // with the same answer, so a renderer can neither load a file of its choosing nor probe the disk.
    const refusal = async (model: string) => {
      const error = (await callService(service, 'settings:set', { model }).then(
        () => null,
        (e: unknown) => e,
      )) as AppError | null;
      expect(error, model).toMatchObject({ code: 'model_not_found' });
      return error?.message.replace(JSON.stringify(model), '<model>');
    };
    const missing = await refusal(path.join(work, 'no-such.onnx'));
    expect(missing).toMatch(
      /^<model> is not an installed model \(installed: none\); install one from the list/,
    );
    expect(await refusal(modelPath)).toBe(missing);
    expect(await refusal('/etc/passwd')).toBe(missing);
    expect(await refusal('colours')).toBe(missing);
    expect((await call('settings:get', {})).model).toBeNull();
    await service.close();
    // A path saved earlier (an older version, the settings file edited by hand) may come back unchanged
    // when the window saves its other settings; it is not a new choice.
    const settingsFile = path.join(work, 'data', 'settings.json');
    const saved = JSON.parse(await readFile(settingsFile, 'utf8')) as Record<string, unknown>;
    await writeFile(settingsFile, JSON.stringify({ ...saved, model: modelPath }));
    service = openService();
    expect(await call('settings:set', { model: modelPath, topK: 3 })).toMatchObject({ model: modelPath });
    expect(await refusal(path.join(work, 'no-such.onnx'))).toBe(missing);
    expect(await call('settings:set', { model: null })).toMatchObject({ model: null });
    await service.close();
    await expect(callService(service, 'tags:list', {})).rejects.toMatchObject({ code: 'unsupported' });

    service = openService();
    expect(await call('settings:get', {})).toMatchObject({ ep: 'cpu', threshold: 0.2, topK: 3 });
    await idle(); // the catch-up scan of the watched folder
    const [folder] = await call('library:listFolders', {});
    expect(folder?.imageCount).toBe(7);
    expect(await call('library:setWatched', { folderId: folder?.id ?? 0, watched: false })).toMatchObject({
      watched: false,
    });
    expect(await call('library:removeFolder', { folderId: folder?.id ?? 0 })).toEqual({ ok: true });
    expect(await call('library:listFolders', {})).toEqual([]);
    expect((await call('images:query', { filter: {}, offset: 0, limit: 10 })).total).toBe(0);
    expect(events.at(-1)).toMatchObject({ channel: 'library:changed', payload: { folders: true } });
  });

  it('tags a single dropped photo where it is, without adding its folder', async () => {
    const elsewhere = path.join(work, 'loose');
    await mkdir(elsewhere, { recursive: true });
    await copyFile(path.join(photos, 'blue-photo.webp'), path.join(elsewhere, 'single.webp'));
    expect(await call('library:addFolders', { paths: [path.join(elsewhere, 'single.webp')] })).toEqual([]);
    await idle();
    expect(byName(await all(), 'single.webp').tags[0]?.tag).toBe('blue');
    expect((await call('library:listFolders', {})).map((f) => f.path)).not.toContain(elsewhere);
  });
});

async function cacheFiles(prefix: string, suffix: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir(path.join(work, 'data', 'thumbs'))).filter(
    (f) => f.startsWith(prefix) && f.endsWith(suffix),
  );
}
