// App service models and doctor (test): first run without a model, models:list, install jobs over a local zoo, doctor:get.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
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
import type { ModelSources } from '../../src-main/engine/config.js';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { listModelInfos } from '../../src-main/engine/service/settings-views.js';
import { bundledModelsDir, listModelFiles } from '../../src-main/engine/models/locate-model.js';
import { partialPath } from '../../src-main/engine/models/model-store.js';
import { buildColourModel } from '../../src-main/engine/synth/colour-model.js';
import { writeColourPhotos } from '../support/colour-photos.js';
import { startModelServer, type ModelServer } from '../support/model-server.js';

const colours = buildColourModel();
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const half = Math.floor(colours.bytes.length / 2);
const ZOO_PATH = '/zoo/colours-test.onnx';

let work: string;
let photos: string;
let modelsDir: string;
let sources: ModelSources;
let server: ModelServer;
let service: AppService;
const progress: JobSnapshotInfo[] = [];

function entry(id: string, url: string) {
  return {
    id,
    name: `${id} (test)`,
    file: `${id}.onnx`,
    url,
    sha256: sha(colours.bytes),
    bytes: colours.bytes.length,
    opset: 17,
    precision: 'fp32',
    input: { name: 'data', shape: ['N', 3, 224, 224] },
    output: { name: 'logits', shape: ['N', colours.labels.length] },
    imagenetTop1: 12.5,
    imagenetTop5: null,
    preprocessing: { resizeShorter: 256, crop: 224, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    labels: 'imagenet-1k',
  };
}

async function call<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<RequestOutput<C>> {
  return REQUESTS[channel].output.parse(await callService(service, channel, input)) as RequestOutput<C>;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function settled(jobId: number): Promise<JobSnapshotInfo> {
  return until(`job ${jobId} to end`, async () =>
    (await call('jobs:list', {})).find(
      (j) => j.id === jobId && ['done', 'cancelled', 'failed'].includes(j.state),
    ),
  );
}

const partSize = async () => (await stat(partialPath('colours-test', modelsDir)).catch(() => null))?.size;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-app-models-'));
  server = await startModelServer();
  server.serve(ZOO_PATH, colours.bytes);
  photos = path.join(work, 'photos');
  await writeColourPhotos(photos);
  // The self-test checks the download on colour photos with the colour labels, as the CLI test does.
  const selftest = path.join(work, 'selftest');
  const expected = await writeColourPhotos(selftest);
  await writeFile(path.join(selftest, 'colours.labels.txt'), `${colours.labels.join('\n')}\n`);
  const spec = path.join(selftest, 'expectations.json');
  await writeFile(
    spec,
    JSON.stringify({
      topK: 1,
      labels: 'colours.labels.txt',
      photos: [...expected].map(([file, label]) => ({ file, anyOf: [label] })),
    }),
  );
  const catalog = path.join(work, 'catalog.json');
  await writeFile(
    catalog,
    JSON.stringify({
      source: 'test',
      generatedBy: 'app-service-models.test.ts',
      recommended: 'colours-test',
      recommendedReason: 'the one the test server has',
      models: [
        entry('colours-test', `${server.url}${ZOO_PATH}`),
        entry('other-test', `${server.url}/x.onnx`),
      ],
    }),
  );
  modelsDir = path.join(work, 'models');
  await mkdir(modelsDir);
  // Tagging with the installed colour model needs its labels beside it (the catalogue says imagenet-1k).
  await writeFile(path.join(modelsDir, 'colours-test.labels.txt'), `${colours.labels.join('\n')}\n`);
  sources = { dir: modelsDir, catalogFile: catalog, mirror: null };
  service = new AppService({
    libraryFile: path.join(work, 'data', 'library.db'),
    dataDir: path.join(work, 'data'),
    modelPath: null,
    models: sources,
    workerOptions: { threads: 1, batchSize: 4 },
    urls: { thumb: (id) => `/thumb/${id}`, preview: (id) => `/preview/${id}` },
    prewarmThumbnails: false,
    // Long enough that only the test's cancel or pause ends a stalled transfer.
    modelInstall: { selfTestFile: spec, stallTimeoutMs: 20_000 },
  });
  service.on('event', (channel, payload) => {
    EVENTS[channel].parse(payload);
    if (channel === 'jobs:progress') progress.push(payload as JobSnapshotInfo);
  });
  await call('settings:set', { ep: 'cpu' });
});

afterAll(async () => {
  await service?.close();
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

describe('AppService models', () => {
  it('first run without a model: queries work, the tag job fails with model_not_found and the first-run message', async () => {
    // A model dropped into the repository's models/ would be found, and this would be no first run.
    expect(listModelFiles(await bundledModelsDir()), 'bundled .onnx files').toEqual([]);
    const [folder] = await call('library:addFolders', { paths: [photos] });
    expect(folder).toMatchObject({ path: photos });
    const job = await until('the tag job', async () =>
      (await call('jobs:list', {})).find((j) => j.kind === 'tag'),
    );
    const ended = await settled(job.id);
    expect(ended.state).toBe('failed');
    // The code is what the window branches on; the message is the CLI's first-run help.
    expect(ended.error?.code).toBe('model_not_found');
    expect(ended.error?.message).toMatch(/^No model found\. Skiptag needs an ONNX image classifier/);
    expect(ended.error?.message).toContain(modelsDir);
    expect(await call('images:query', { filter: {}, offset: 0, limit: 10 })).toEqual({ total: 0, items: [] });
    expect((await call('settings:get', {})).model).toBeNull();
  });

  it('lists the catalogue with install state and the recommended flag', async () => {
    expect(await call('models:list', {})).toEqual([
      {
        id: 'colours-test',
        name: 'colours-test (test)',
        source: 'catalog',
        installed: false,
        recommended: true,
        bytes: colours.bytes.length,
        imagenetTop1: 12.5,
      },
      expect.objectContaining({ id: 'other-test', installed: false, recommended: false }),
      // The offline demo model is always on offer, built on request (models:installDemo).
      {
        id: 'colours-demo',
        name: 'Colour demo (names colours, not objects)',
        source: 'demo',
        installed: false,
        recommended: false,
        bytes: null,
        imagenetTop1: null,
      },
    ]);
  });

  it('cancels a download mid-way: the job is cancelled, nothing installed, the partial file kept', async () => {
    server.fault({ kind: 'stall', after: half }, ZOO_PATH);
    const job = await call('models:install', { id: 'colours-test' });
    expect(job).toMatchObject({ kind: 'model-install', state: 'queued' });
    // Asking again while it runs gives the same job, not a second download.
    expect((await call('models:install', { id: 'colours-test' })).id).toBe(job.id);
    await until('half the bytes', async () => ((await partSize()) === half ? true : undefined));
    expect(await call('jobs:cancel', { jobId: job.id })).toEqual({ ok: true });
    const ended = await settled(job.id);
    expect(ended).toMatchObject({ state: 'cancelled', error: null });
    expect(existsSync(path.join(modelsDir, 'colours-test.onnx'))).toBe(false);
    expect(await partSize()).toBe(half);
    expect((await call('models:list', {}))[0]).toMatchObject({ id: 'colours-test', installed: false });
  });

  it('installs as a job: pauses and resumes the transfer, reports bytes, selects the model, tags the folder', async () => {
    const quarter = Math.floor(colours.bytes.length / 4);
    server.fault({ kind: 'stall', after: quarter }, ZOO_PATH);
    server.requests.length = 0;
    const job = await call('models:install', { id: 'colours-test' });
    await until('the resumed bytes', async () => ((await partSize()) === half + quarter ? true : undefined));
    expect(await call('jobs:pause', { jobId: job.id })).toEqual({ ok: true });
    await new Promise((r) => setTimeout(r, 300));
    expect((await call('jobs:list', {})).find((j) => j.id === job.id)?.state).toBe('paused');
    expect(await call('jobs:resume', { jobId: job.id })).toEqual({ ok: true });
    const ended = await settled(job.id);
    expect(ended).toMatchObject({
      state: 'done',
      error: null,
      progress: { done: colours.bytes.length, total: colours.bytes.length },
    });
    // Each request resumed where the partial file ended.
    expect(server.requests.map((r) => r.range)).toEqual([`bytes=${half}-`, `bytes=${half + quarter}-`]);
    const mine = progress.filter((p) => p.id === job.id);
    expect(mine.map((p) => p.state)).toEqual(expect.arrayContaining(['running', 'paused', 'done']));
    expect(mine.every((p) => p.progress.total === null || p.progress.total === colours.bytes.length)).toBe(
      true,
    );
    expect(mine.map((p) => p.progress.current)).toContain('self-test');
    expect(sha(await readFile(path.join(modelsDir, 'colours-test.onnx')))).toBe(sha(colours.bytes));
    expect(existsSync(partialPath('colours-test', modelsDir))).toBe(false);

    expect((await call('settings:get', {})).model).toBe('colours-test');
    expect((await call('models:list', {}))[0]).toMatchObject({
      id: 'colours-test',
      source: 'catalog',
      installed: true,
    });
    // The folder added on the first run is tagged now, without adding it again.
    const red = await until('the red photo to be tagged', async () => {
      const items = (await call('images:query', { filter: { text: 'red-photo' }, offset: 0, limit: 5 }))
        .items;
      return items[0]?.status === 'ok' ? items[0] : undefined;
    });
    expect(red.tags[0]).toMatchObject({ tag: 'red', state: 'suggested' });
  });

  it('installing an installed model verifies it and finishes at once', async () => {
    server.requests.length = 0;
    const job = await call('models:install', { id: 'colours-test' });
    expect(await settled(job.id)).toMatchObject({ state: 'done', progress: { current: null } });
    expect(server.requests).toEqual([]);
  });

  it('fails the job with the reason when the download cannot be had', async () => {
    const job = await call('models:install', { id: 'other-test' });
    const ended = await settled(job.id);
    expect(ended.state).toBe('failed');
    expect(ended.error?.code).toBe('download_failed');
    expect(ended.error?.message).toMatch(/HTTP 404/);
  });

  it('lists imported models from the models folder and bundled ones', async () => {
    await writeFile(path.join(modelsDir, 'my-birds.onnx'), colours.bytes);
    const bundled = path.join(work, 'bundled');
    await mkdir(bundled);
    await writeFile(path.join(bundled, 'other-test.onnx'), colours.bytes);
    await writeFile(path.join(bundled, 'extra.onnx'), 'x');
    await writeFile(path.join(bundled, 'my-birds.onnx'), 'shadowed by the models folder');
    expect(await listModelInfos(sources, bundled)).toEqual([
      expect.objectContaining({ id: 'colours-test', source: 'catalog', installed: true, recommended: true }),
      expect.objectContaining({ id: 'other-test', source: 'bundled', installed: true, imagenetTop1: 12.5 }),
      {
        id: 'my-birds',
        name: 'my-birds',
        source: 'imported',
        installed: true,
        recommended: false,
        bytes: colours.bytes.length,
        imagenetTop1: null,
      },
      {
        id: 'extra',
        name: 'extra',
        source: 'bundled',
        installed: true,
        recommended: false,
        bytes: 1,
        imagenetTop1: null,
      },
      // The offline demo model is always on offer, built on request (models:installDemo).
      {
        id: 'colours-demo',
        name: 'Colour demo (names colours, not objects)',
        source: 'demo',
        installed: false,
        recommended: false,
        bytes: null,
        imagenetTop1: null,
      },
    ]);
    expect((await call('models:list', {})).map((m) => m.id)).toContain('my-birds');
  });

  it('settings:set takes the name of an installed model, never a file or a model that is not installed', async () => {
    expect(await call('settings:set', { model: 'my-birds' })).toMatchObject({ model: 'my-birds' });
    expect(await call('settings:set', { model: 'colours-test' })).toMatchObject({ model: 'colours-test' });
    for (const model of [
      'other-test', // in the catalogue, not installed
      'nope',
      path.join(modelsDir, 'my-birds.onnx'), // the very file of an installed model, named by path
      path.join(work, 'photos', 'red-photo.jpg'),
      '../models/my-birds',
    ]) {
      await expect(callService(service, 'settings:set', { model }), model).rejects.toMatchObject({
        code: 'model_not_found',
        message: expect.stringContaining('is not an installed model') as unknown,
      });
    }
    expect((await call('settings:get', {})).model).toBe('colours-test');
  });

  it('rejects unknown and malformed model ids', async () => {
    await expect(callService(service, 'models:install', { id: 'nope' })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/unknown model "nope".*colours-test, other-test/) as unknown,
    });
    await expect(callService(service, 'models:install', { id: '../evil' })).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(callService(service, 'models:list', { all: true })).rejects.toMatchObject({
      code: 'bad_request',
    });
  });

  it('answers how fast a catalogue model would run here, or why it cannot tell before the download', async () => {
    // The test catalogue's models are not ResNets this build can rebuild to time (see speed-before-download).
    expect(await call('models:speedHere', { id: 'colours-test' })).toEqual({
      imagesPerSecond: null,
      note: expect.stringMatching(/^not timed before download/) as unknown,
    });
    await expect(callService(service, 'models:speedHere', { id: 'nope' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(callService(service, 'models:speedHere', { id: '../evil' })).rejects.toMatchObject({
      code: 'bad_request',
    });
  });

  it('reports the providers: cpu loads with a rate, the others with reasons', async () => {
    const report = await call('doctor:get', { benchSeconds: 0.3 });
    expect(report).toMatchObject({ libraryPath: path.join(work, 'data', 'library.db'), modelsDir });
    expect(report.platform).toContain(process.platform);
    expect(report.onnxruntime).toMatch(/^\d+\.\d+/);
    expect(report.providers.map((p) => p.provider)).toEqual(['cpu', 'webgpu', 'cuda', 'dml', 'coreml']);
    const cpu = report.providers.find((p) => p.provider === 'cpu');
    expect(cpu).toMatchObject({ available: true, loads: true, reason: null });
    expect(cpu?.imagesPerSecond).toBeGreaterThan(0);
    // The int8 copy of the benchmark model is timed too, and with no GPU provider working here the report
    // says what to do about it (use int8, or stay with fp32 where int8 is not faster).
    expect(cpu?.int8ImagesPerSecond).toBeGreaterThan(0);
    const gpuWorks = report.providers.some((p) => p.provider !== 'cpu' && p.loads);
    if (!gpuWorks) expect(report.recommendation).toMatch(/int8/);
    for (const p of report.providers.filter((each) => !each.loads)) {
      expect(p.reason, p.provider).toBeTruthy();
      expect(p.imagesPerSecond).toBeNull();
    }
    await expect(callService(service, 'doctor:get', { benchSeconds: 60 })).rejects.toMatchObject({
      code: 'bad_request',
    });
  }, 120_000);
});
