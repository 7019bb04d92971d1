// What a renderer can make the engine touch (test): requests validated as main does, against a folder with planted links; nothing outside it is read or rewritten.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExifTool } from 'exiftool-vendored';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call as callService } from '../support/service-calls.js';
import {
  REQUESTS,
  type JobSnapshotInfo,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
} from '../../src-main/shared/contract.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';

let work: string;
let folder: string;
let outside: string;
let service: AppService;
const hashes = new Map<string, string>();

const sha = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

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

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-app-reach-'));
  const modelPath = await writeColourModel(path.join(work, 'model'));
  const colours = path.join(work, 'colours');
  await writeColourPhotos(colours);
  folder = path.join(work, 'shared');
  outside = path.join(work, 'outside');
  await mkdir(folder);
  await mkdir(path.join(outside, 'album'), { recursive: true });
  const victim = path.join(outside, 'victim.jpg');
  await copyFile(path.join(colours, 'red-photo.jpg'), victim);
  await copyFile(path.join(colours, 'blue-photo.webp'), path.join(outside, 'album', 'blue.webp'));
  const exiftool = new ExifTool({ maxProcs: 1 });
  try {
    await exiftool.write(victim, { 'XMP-dc:Subject': ['VictimSecret'] } as never, {
      writeArgs: ['-overwrite_original'],
    });
  } finally {
    await exiftool.end();
  }
  // A shared folder someone planted links in: a sidecar leading to a photo outside, a photo leading to
  // it, and a folder leading out.
  await copyFile(path.join(colours, 'green-photo.png'), path.join(folder, 'green.png'));
  await symlink(victim, path.join(folder, 'green.png.xmp'));
  await symlink(victim, path.join(folder, 'linked.jpg'));
  await symlink(path.join(outside, 'album'), path.join(folder, 'album'));
  for (const file of [victim, path.join(outside, 'album', 'blue.webp')]) hashes.set(file, await sha(file));

  service = new AppService({
    libraryFile: path.join(work, 'data', 'library.db'),
    dataDir: path.join(work, 'data'),
    modelPath,
    models: { dir: path.join(work, 'data', 'models'), catalogFile: null, mirror: null },
    workerOptions: { threads: 1, batchSize: 4 },
    urls: { thumb: (id) => `/thumb/${id}`, preview: (id) => `/preview/${id}` },
    prewarmThumbnails: false,
  });
  await call('settings:set', { ep: 'cpu' });
  await call('library:addFolders', { paths: [folder] });
  const tagJob = (await call('jobs:list', {})).find((j) => j.kind === 'tag');
  expect(await settled(tagJob?.id ?? 0)).toMatchObject({ state: 'done' });
});

afterAll(async () => {
  await service?.close();
  await rm(work, { recursive: true, force: true });
});

describe('a renderer’s requests stay inside the library’s folders', () => {
  it('xmp:write, as sidecars and embedded, rewrites nothing outside the folder through a planted link', async () => {
    const { items } = await call('images:query', { filter: {}, offset: 0, limit: 100 });
    expect(items.map((i) => i.name).sort()).toEqual(['blue.webp', 'green.png', 'linked.jpg']);
    // The planted sidecar was not read as green.png's metadata.
    expect(items.flatMap((i) => i.tags.map((t) => t.tag))).not.toContain('VictimSecret');
    const imageIds = items.map((i) => i.id);
    for (const xmpMode of ['sidecar', 'embed'] as const) {
      await call('settings:set', { xmpMode });
      const job = await call('xmp:write', { imageIds, dryRun: false });
      expect(await settled(job.id), xmpMode).toMatchObject({ state: 'done' });
    }
    for (const [file, hash] of hashes) expect(await sha(file), file).toBe(hash);
    expect((await readdir(outside)).sort()).toEqual(['album', 'victim.jpg']);
    expect(await readdir(path.join(outside, 'album'))).toEqual(['blue.webp']);
  });

  it('names images by id only: an id not in the library is not found', async () => {
    await expect(callService(service, 'images:get', { imageId: 999_999 })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(callService(service, 'images:get', { imageId: '/etc/passwd' })).rejects.toMatchObject({
      code: 'bad_request',
    });
  });
});
