// App service int8 copies (test): models:quantize makes an int8 copy of an installed model as a job, calibrated on the library's photos in a worker, and lists it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call as callService } from '../support/service-calls.js';
import { writeColourPhotos } from '../support/colour-photos.js';
import { runCli } from '../support/run-cli.js';
import {
  REQUESTS,
  type JobSnapshotInfo,
  type RequestChannel,
  type RequestInput,
  type RequestOutput,
} from '../../src-main/shared/contract.js';
import { AppService } from '../../src-main/engine/service/app-service.js';

let work: string;
let modelsDir: string;
let service: AppService;
const progress: JobSnapshotInfo[] = [];

async function call<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<RequestOutput<C>> {
  return REQUESTS[channel].output.parse(await callService(service, channel, input)) as RequestOutput<C>;
}

/** Polls for a condition (the test's timeout catches a hang; this only waits). */
async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ended = (jobId: number) =>
  until(async () =>
    (await call('jobs:list', {})).find(
      (j) => j.id === jobId && ['done', 'cancelled', 'failed'].includes(j.state),
    ),
  );

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-app-quantize-'));
  modelsDir = path.join(work, 'models');
  const env = { SKIPTAG_MODELS_DIR: modelsDir, SKIPTAG_CACHE_DIR: path.join(work, 'cache') };
  // A small residual network with real Conv/Add/Gemm layers, installed by name as a user would import it.
  const tiny = path.join(work, 'tiny.onnx');
  expect((await runCli(['models', 'synth', 'tiny-resnet', tiny], env)).code).toBe(0);
  const imported = await runCli(
    ['models', 'import', tiny, '--name', 'tiny', '--labels', path.join(work, 'tiny.labels.txt')],
    env,
  );
  expect(imported.code, imported.stderr).toBe(0);
  service = new AppService({
    libraryFile: path.join(work, 'data', 'library.db'),
    dataDir: path.join(work, 'data'),
    modelPath: null,
    models: { dir: modelsDir, catalogFile: null, mirror: null },
    workerOptions: { threads: 1, batchSize: 4 },
    urls: { thumb: (id) => `/thumb/${id}`, preview: (id) => `/preview/${id}` },
    prewarmThumbnails: false,
  });
  service.on('event', (channel, payload) => {
    if (channel === 'jobs:progress') progress.push(payload as JobSnapshotInfo);
  });
  await call('settings:set', { ep: 'cpu', model: 'tiny' });
  // The library's photos are the calibration photos.
  const photos = path.join(work, 'photos');
  await writeColourPhotos(photos);
  await call('library:addFolders', { paths: [photos] });
  await until(async () => {
    const jobs = await call('jobs:list', {});
    return jobs.some((j) => j.kind === 'tag' && j.state === 'done') ? true : undefined;
  });
}, 120_000);

afterAll(async () => {
  await service?.close();
  await rm(work, { recursive: true, force: true });
});

describe('AppService models:quantize', () => {
  it('makes an int8 copy of the installed model as a job, calibrated on the library, and lists it', async () => {
    const job = await call('models:quantize', { id: 'tiny' });
    expect(job.kind).toBe('model-quantize');
    // Asked again while it runs: the same job, not a second copy.
    expect((await call('models:quantize', { id: 'tiny' })).id).toBe(job.id);
    const last = await ended(job.id);
    expect(last.error).toBeNull();
    expect(last).toMatchObject({ state: 'done' });
    // Progress events are coalesced, so the steps in between may not all be seen; the last one says it all.
    expect(last.progress.total).toBeGreaterThan(0);
    expect(last.progress.done).toBe(last.progress.total);
    expect(progress.some((p) => p.id === job.id)).toBe(true);

    const models = await call('models:list', {});
    expect(models.find((m) => m.id === 'tiny-int8')).toMatchObject({ installed: true, source: 'imported' });
    const settings = JSON.parse(await readFile(path.join(modelsDir, 'tiny-int8.json'), 'utf8')) as {
      int8?: { images: number };
    };
    // Calibrated on the library's six decoded photos, not the shipped reference photos.
    expect(settings.int8?.images).toBe(6);
    // It can be chosen like any installed model.
    await expect(call('settings:set', { model: 'tiny-int8' })).resolves.toMatchObject({ model: 'tiny-int8' });
  }, 300_000);

  it('names only installed models: a path or an unknown name is refused', async () => {
    await expect(callService(service, 'models:quantize', { id: 'nothing-here' })).rejects.toMatchObject({
      code: 'model_not_found',
    });
    await expect(callService(service, 'models:quantize', { id: '/etc/passwd' })).rejects.toMatchObject({
      code: 'bad_request',
    });
  });
});
