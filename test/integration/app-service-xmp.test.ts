// App service XMP write-back and settings (test): xmp:write jobs writing real sidecars, the new settings persisted.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call as callService } from '../support/service-calls.js';
import {
  EVENTS,
  REQUESTS,
  type EventPayload,
  type ImageSummary,
  type JobSnapshotInfo,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
} from '../../src-main/shared/contract.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';

let work: string;
let photos: string;
let modelPath: string;
let service: AppService;
let exiftool: ExifTool;
let items: ImageSummary[];
const changes: EventPayload<'library:changed'>[] = [];
const logs: string[] = [];

function open(dataDir: string): AppService {
  const opened = new AppService({
    libraryFile: path.join(dataDir, 'library.db'),
    dataDir,
    modelPath,
    models: { dir: path.join(dataDir, 'models'), catalogFile: null, mirror: null },
    workerOptions: { threads: 1, batchSize: 4 },
    urls: { thumb: (id) => `/thumb/${id}`, preview: (id) => `/preview/${id}` },
    prewarmThumbnails: false,
    onLog: (level, message) => logs.push(`${level}: ${message}`),
  });
  opened.on('event', (channel, payload) => {
    EVENTS[channel].parse(payload);
    if (channel === 'library:changed') changes.push(payload as EventPayload<'library:changed'>);
  });
  return opened;
}

async function call<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<RequestOutput<C>> {
  return REQUESTS[channel].output.parse(await callService(service, channel, input)) as RequestOutput<C>;
}

async function settled(jobId: number): Promise<JobSnapshotInfo> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = (await call('jobs:list', {})).find((j) => j.id === jobId);
    if (job && ['done', 'cancelled', 'failed'].includes(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`timed out waiting for job ${jobId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const byName = (name: string) => {
  const found = items.find((i) => i.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

async function subjects(file: string): Promise<string[]> {
  const tags = (await exiftool.read(file)) as { Subject?: string | string[] };
  return [tags.Subject ?? []].flat().map(String);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-app-xmp-'));
  modelPath = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  await writeColourPhotos(photos);
  exiftool = new ExifTool({ maxProcs: 1 });
  service = open(path.join(work, 'data'));
  await call('settings:set', { ep: 'cpu' });
  await call('library:addFolders', { paths: [photos] });
  const tagJob = (await call('jobs:list', {})).find((j) => j.kind === 'tag');
  expect(tagJob).toBeDefined();
  expect(await settled(tagJob?.id ?? 0)).toMatchObject({ state: 'done' });
  items = (await call('images:query', { filter: {}, offset: 0, limit: 100 })).items;
});

afterAll(async () => {
  await service?.close();
  await exiftool?.end();
  await rm(work, { recursive: true, force: true });
});

describe('AppService settings for XMP', () => {
  it('persists the write-back settings and rejects bad values', async () => {
    expect(await call('settings:get', {})).toMatchObject({
      xmpMode: 'sidecar',
      xmpNaming: 'ext',
      xmpMinScore: 0,
    });
    const set = await call('settings:set', { xmpNaming: 'replace', xmpMinScore: 0.5 });
    expect(set).toMatchObject({ xmpMode: 'sidecar', xmpNaming: 'replace', xmpMinScore: 0.5 });
    expect(JSON.parse(await readFile(path.join(work, 'data', 'settings.json'), 'utf8'))).toMatchObject({
      xmpMode: 'sidecar',
      xmpNaming: 'replace',
      xmpMinScore: 0.5,
    });
    for (const bad of [
      { xmpMode: 'xmp' },
      { xmpNaming: 'both' },
      { xmpMinScore: 1.5 },
      { xmpMinScore: -0.1 },
    ]) {
      await expect(callService(service, 'settings:set', bad), JSON.stringify(bad)).rejects.toMatchObject({
        code: 'bad_request',
      });
    }
    await call('settings:set', { xmpNaming: 'ext' });
  });

  it('loads a settings file from before the XMP settings with their defaults', async () => {
    const dataDir = path.join(work, 'old-data');
    await mkdir(dataDir);
    await writeFile(
      path.join(dataDir, 'settings.json'),
      JSON.stringify({ model: null, ep: 'cpu', threshold: 0.3, topK: 4, xmpMode: 'bogus' }),
    );
    const old = open(dataDir);
    try {
      expect(await callService(old, 'settings:get', {})).toEqual({
        model: null,
        ep: 'cpu',
        providerInUse: null,
        threshold: 0.3,
        topK: 4,
        xmpMode: 'sidecar',
        xmpNaming: 'ext',
        xmpMinScore: 0,
        pairPrimary: 'raw',
      });
    } finally {
      await old.close();
    }
  });
});

describe('AppService xmp:write', () => {
  it('a dry run writes nothing', async () => {
    const job = await call('xmp:write', { imageIds: items.map((i) => i.id), dryRun: true });
    expect(job).toMatchObject({ kind: 'xmp-write', state: 'queued' });
    expect(await settled(job.id)).toMatchObject({
      state: 'done',
      progress: { done: items.length, total: items.length, failed: 0 },
    });
    expect(existsSync(path.join(photos, 'red-photo.jpg.xmp'))).toBe(false);
  });

  it('writes sidecars with the selected tags per the settings, progress reaching the total', async () => {
    const red = byName('red-photo.jpg');
    const green = byName('green-photo.png');
    const black = byName('black-photo.webp');
    await call('tags:add', { imageIds: [green.id], tag: 'Holiday' });
    await call('tags:setState', { imageIds: [black.id], tag: 'black', state: 'rejected' });
    const before = changes.length;
    const ids = [red.id, green.id, black.id, 424_242];
    const job = await call('xmp:write', { imageIds: ids });
    const ended = await settled(job.id);
    // The id that is not in the library is the one file that could not be written.
    expect(ended).toMatchObject({
      state: 'done',
      error: null,
      progress: { done: ids.length, total: ids.length, failed: 1, current: null },
    });

    const redKeywords = await subjects(path.join(photos, 'red-photo.jpg.xmp'));
    expect(redKeywords).toContain('red');
    // xmpMinScore 0.5: only the red photo's confident suggestion, none of its weak ones.
    const weak = red.tags.filter((t) => (t.score ?? 0) < 0.5).map((t) => t.tag);
    expect(weak.length).toBeGreaterThan(0);
    for (const tag of weak) expect(redKeywords).not.toContain(tag);
    expect(await subjects(path.join(photos, 'green-photo.png.xmp'))).toEqual(
      expect.arrayContaining(['green', 'Holiday']),
    );
    // Its only confident tag is rejected: nothing to write, so no sidecar is created.
    expect(existsSync(path.join(photos, 'black-photo.webp.xmp'))).toBe(false);
    expect(logs).toContain('warn: xmp: #424242: not in the library');
    expect(existsSync(path.join(photos, 'red-photo.xmp'))).toBe(false);
    // The photos' details changed (what Skiptag wrote to them): the UI hears of these ids.
    expect(changes.slice(before)).toContainEqual({ imageIds: ids });
  });

  it('embeds the keywords into the photo when the setting says embed', async () => {
    await call('settings:set', { xmpMode: 'embed' });
    const red = byName('red-photo.jpg');
    const job = await call('xmp:write', { imageIds: [red.id] });
    expect(await settled(job.id)).toMatchObject({
      state: 'done',
      progress: { done: 1, total: 1, failed: 0 },
    });
    expect(await subjects(path.join(photos, 'red-photo.jpg'))).toContain('red');
  });

  it('rejects invalid requests', async () => {
    await expect(callService(service, 'xmp:write', { imageIds: [] })).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(callService(service, 'xmp:write', { imageIds: [0] })).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(callService(service, 'xmp:write', { imageIds: [1], dryRun: 'yes' })).rejects.toMatchObject({
      code: 'bad_request',
    });
  });
});
