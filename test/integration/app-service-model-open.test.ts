// App service (test): a tagging job hands photos to a worker that is still opening the model; a model that cannot be opened fails the job with its reason, and the next job opens again.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  REQUESTS,
  type JobSnapshotInfo,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
} from '../../src-main/shared/contract.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { buildColourModel } from '../../src-main/engine/synth/colour-model.js';
import { call as callService } from '../support/service-calls.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';

let work: string;
let photos: string;
let modelPath: string;
let service: AppService;

async function call<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<RequestOutput<C>> {
  return REQUESTS[channel].output.parse(await callService(service, channel, input)) as RequestOutput<C>;
}

async function settled(jobId: number): Promise<JobSnapshotInfo> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const job = (await call('jobs:list', {})).find((j) => j.id === jobId);
    if (job && ['done', 'cancelled', 'failed'].includes(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not end`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-app-open-'));
  photos = path.join(work, 'photos');
  await writeColourPhotos(photos);
  // The model's labels stay beside it; the model file itself starts out broken.
  modelPath = await writeColourModel(path.join(work, 'model'));
  await writeFile(modelPath, 'not an onnx model');
  service = new AppService({
    libraryFile: path.join(work, 'data', 'library.db'),
    dataDir: path.join(work, 'data'),
    modelPath,
    models: { dir: path.join(work, 'models'), catalogFile: null, mirror: null },
    workerOptions: { threads: 1, batchSize: 4, cacheDir: path.join(work, 'cache') },
    urls: { thumb: (id) => `/thumb/${id}`, preview: (id) => `/preview/${id}` },
    watcher: { stabilityMs: 300, pollIntervalMs: 50 },
  });
  await call('settings:set', { ep: 'cpu' });
});

afterAll(async () => {
  await service.close();
  await rm(work, { recursive: true, force: true });
});

describe('a tagging job and the model it opens', () => {
  it('fails the job with the reason the model cannot be opened, then opens it anew for the next job', async () => {
    const [folder] = await call('library:addFolders', { paths: [photos] });
    if (!folder) throw new Error('no folder');
    const first = (await call('jobs:list', {})).find((j) => j.kind === 'tag');
    if (!first) throw new Error('no tag job');
    const failed = await settled(first.id);
    expect(failed.state).toBe('failed');
    expect(failed.error?.message).toMatch(/cannot load model/);
    expect((await call('settings:get', {})).providerInUse).toBeNull();

    // The user puts a working model in its place: the next job does not reuse the failed worker.
    await writeFile(modelPath, buildColourModel().bytes);
    const second = await call('library:rescan', { folderId: folder.id });
    expect(await settled(second.id)).toMatchObject({ state: 'done' });
    const { items } = await call('images:query', { filter: {}, offset: 0, limit: 100 });
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.status === 'ok')).toBe(true);
    expect((await call('settings:get', {})).providerInUse).toBe('cpu');
  });
});
