// The service process (test): main's protocol over a MessageChannel and a forked Node, plus event throttling.
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { ChangeBatcher, JobEvents, type LibraryChange } from '../../src-main/engine/service/ui-events.js';
import type { FromService } from '../../src-main/shared/service-protocol.js';
import { runService, type ServiceRun } from '../../src-main/engine/service/service-runner.js';
import { nodeMessagePort, portTransport } from '../../src-main/engine/transports.js';
import type { JobSnapshot } from '../../src-main/engine/jobs/job-queue.js';
import { EVENTS, isRequestChannel, REQUESTS } from '../../src-main/shared/contract.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { REPO_ROOT } from '../support/run-cli.js';

let work: string;
let photos: string;
let modelPath: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-host-'));
  modelPath = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  await writeColourPhotos(photos);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** The main process's side of a channel: everything received. */
class MainSide {
  readonly inbox: FromService[] = [];
  private nextId = 1;

  constructor(readonly port: MessagePort) {
    port.on('message', (message: FromService) => this.inbox.push(message));
  }

  /** Contract channels are validated first, as main's IPC wrapper does: the service gets parsed inputs. */
  async request(channel: string, payload: unknown): Promise<FromService> {
    const id = this.nextId++;
    const parsed = isRequestChannel(channel) ? REQUESTS[channel].input.parse(payload) : payload;
    this.port.postMessage({ kind: 'request', id, channel, payload: parsed });
    return this.responseTo(id);
  }

  async responseTo(id: number): Promise<FromService> {
    return this.waitFor((m) => m.kind === 'response' && m.id === id);
  }

  async waitFor(match: (m: FromService) => boolean, ms = 30_000): Promise<FromService> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.inbox.find(match);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`timed out; received ${JSON.stringify(this.inbox.slice(-5))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe('the service process over a MessageChannel', () => {
  let main: MainSide;
  let host: ServiceRun;

  beforeAll(async () => {
    const { port1, port2 } = new MessageChannel();
    main = new MainSide(port2);
    host = runService(portTransport(nodeMessagePort(port1)), (log) => {
      const service = new AppService({
        libraryFile: path.join(work, 'channel', 'library.db'),
        dataDir: path.join(work, 'channel'),
        modelPath,
        models: { dir: path.join(work, 'channel', 'models'), catalogFile: null, mirror: null },
        workerOptions: { threads: 1 },
        urls: { thumb: (id) => `app://thumb/${id}`, preview: (id) => `app://preview/${id}` },
        onLog: log,
      });
      return service;
    });
    await main.waitFor((m) => m.kind === 'ready');
    expect(await main.request('settings:set', { ep: 'cpu' })).toMatchObject({ ok: true });
  });

  afterAll(async () => {
    await host.service?.close();
    main.port.close();
  });

  it('answers requests with results that match the contract', async () => {
    const reply = await main.request('library:listFolders', {});
    expect(reply).toEqual({ kind: 'response', id: expect.any(Number) as unknown, ok: true, result: [] });
    const settings = await main.request('settings:get', {});
    expect(
      settings.kind === 'response' && settings.ok && REQUESTS['settings:get'].output.parse(settings.result),
    ).toMatchObject({
      ep: 'cpu',
    });
  });

  it('answers an unknown channel with an error, and leaves worker:* messages to the worker launcher', async () => {
    const before = main.inbox.filter((m) => m.kind === 'response').length;
    // Main only forwards contract channels it validated; a bug that names another still gets an answer.
    expect(await main.request('library:nope', {})).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
    main.port.postMessage({ kind: 'worker:exit', workerId: 1, code: 0, error: null });
    const after = await main.request('tags:list', {});
    expect(after).toMatchObject({ ok: true });
    expect(main.inbox.filter((m) => m.kind === 'response')).toHaveLength(before + 2);
  });

  it('tags a folder, forwards events, serves image bytes and exports to a path', async () => {
    expect(await main.request('library:addFolders', { paths: [photos] })).toMatchObject({ ok: true });
    await main.waitFor(
      (m) =>
        m.kind === 'event' &&
        m.channel === 'jobs:progress' &&
        (m.payload as { state: string }).state === 'done',
    );
    for (const m of main.inbox) if (m.kind === 'event') EVENTS[m.channel].parse(m.payload);
    expect(main.inbox.some((m) => m.kind === 'event' && m.channel === 'library:changed')).toBe(true);

    const page = await main.request('images:query', { filter: {}, offset: 0, limit: 10 });
    const items =
      page.kind === 'response' && page.ok ? REQUESTS['images:query'].output.parse(page.result).items : [];
    expect(items).toHaveLength(6);
    const first = items[0];
    expect(first?.thumbUrl).toBe(`app://thumb/${first?.id}`);

    const image = await main.request('images:image', { imageId: first?.id, variant: 'thumb' });
    const result =
      image.kind === 'response' && image.ok ? (image.result as { mime: string; data: Uint8Array }) : null;
    expect(result?.mime).toBe('image/jpeg');
    expect(result?.data).toBeInstanceOf(Uint8Array);
    const meta = await sharp(result?.data).metadata();
    expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(256);
    expect(await main.request('images:image', { imageId: 9999, variant: 'preview' })).toMatchObject({
      ok: true,
      result: null,
    });

    const file = path.join(work, 'host-export.csv');
    const exported = await main.request('export:toPath', {
      format: 'csv',
      layout: 'wide',
      scope: 'all',
      bom: false,
      path: file,
    });
    expect(exported).toMatchObject({ ok: true, result: { path: file, count: 6 } });
    expect((await readFile(file, 'utf8')).split('\r\n').filter(Boolean)).toHaveLength(7);
    expect(await main.request('export:run', { format: 'csv', scope: 'all' })).toMatchObject({
      ok: false,
      error: { code: 'unsupported' },
    });
  });

  it('closes the service on service:close and answers later requests with an error', async () => {
    expect(await main.request('service:close', {})).toMatchObject({ ok: true, result: null });
    await host.closed;
    await expect(host.service?.handle('tags:list', {})).rejects.toMatchObject({ code: 'unsupported' });
  });

  it('reports a service that cannot start as fatal', () => {
    const { port1, port2 } = new MessageChannel();
    const side = new MainSide(port2);
    const failed = runService(portTransport(nodeMessagePort(port1)), () => {
      throw new Error('the library file has schema version 99');
    });
    expect(failed.service).toBeNull();
    return side
      .waitFor((m) => m.kind === 'fatal' && /schema version 99/.test(m.message))
      .finally(() => port2.close());
  });
});

describe('service process entry', () => {
  it('runs under a forked Node: ready, answers a request, exits after service:close', async () => {
    const entry = path.join(REPO_ROOT, 'out', 'src-main', 'engine', 'service', 'service-main.js');
    const child = fork(
      entry,
      ['--library', path.join(work, 'forked', 'library.db'), '--data-dir', path.join(work, 'forked')],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, SKIPTAG_MODEL: modelPath },
      },
    );
    const received: FromService[] = [];
    child.on('message', (m: FromService) => received.push(m));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (match: (m: FromService) => boolean) => {
      const deadline = Date.now() + 30_000;
      while (!received.some(match)) {
        if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await waitFor((m) => m.kind === 'ready');
    child.send({ kind: 'request', id: 1, channel: 'library:listFolders', payload: {} });
    await waitFor((m) => m.kind === 'response' && m.id === 1);
    expect(received.find((m) => m.kind === 'response')).toMatchObject({ ok: true, result: [] });
    child.send({ kind: 'request', id: 2, channel: 'service:close', payload: {} });
    expect(await exited).toBe(0);
  });
});

describe('event shaping', () => {
  const snapshot = (id: number, state: JobSnapshot['state'], done: number): JobSnapshot => ({
    id,
    kind: 'tag',
    state,
    progress: { done, total: 100, failed: 0, rate: 0, etaSeconds: null, current: null },
    error: null,
  });

  it('sends progress at most every 100 ms per job, the latest last, state changes at once', () => {
    vi.useFakeTimers();
    try {
      let clock = 0;
      const sent: JobSnapshot[] = [];
      const events = new JobEvents(
        (job) => sent.push(job),
        100,
        () => clock,
      );
      events.update(snapshot(1, 'running', 0));
      for (let done = 1; done <= 50; done++) {
        clock += 5;
        vi.advanceTimersByTime(5);
        events.update(snapshot(1, 'running', done));
        events.update(snapshot(2, done === 25 ? 'paused' : 'running', done));
      }
      const job1 = sent.filter((j) => j.id === 1);
      // 250 ms of updates: the first at once, then one per 100 ms.
      expect(job1.length).toBeLessThanOrEqual(4);
      clock += 200;
      vi.advanceTimersByTime(200);
      expect(sent.filter((j) => j.id === 1).at(-1)?.progress.done).toBe(50);
      const job2 = sent.filter((j) => j.id === 2).map((j) => j.state);
      expect(job2).toContain('paused');
      events.update(snapshot(1, 'done', 50));
      expect(sent.at(-1)).toMatchObject({ id: 1, state: 'done' });
      events.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('batches library changes; too many ids become a full refresh', () => {
    vi.useFakeTimers();
    try {
      const sent: LibraryChange[] = [];
      const batcher = new ChangeBatcher((c) => sent.push(c), 250, 3);
      batcher.images([1, 2]);
      batcher.images([2, 3]);
      expect(sent).toEqual([]);
      vi.advanceTimersByTime(250);
      expect(sent).toEqual([{ imageIds: [1, 2, 3] }]);
      batcher.images([4, 5, 6, 7]);
      batcher.foldersChanged();
      batcher.flush();
      expect(sent.at(-1)).toEqual({ folders: true });
      batcher.foldersChanged();
      batcher.flush();
      expect(sent.at(-1)).toEqual({ imageIds: [], folders: true });
      for (const change of sent) EVENTS['library:changed'].parse(change);
      batcher.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
