// Service host (test): the utilityProcess protocol over a MessageChannel and a forked Node, plus event throttling.
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppService } from '../../src-main/engine/service/app-service.js';
import { ChangeBatcher, type LibraryChange } from '../../src-main/engine/service/change-batcher.js';
import { hostOutgoingSchema, type HostOutgoing } from '../../src-main/shared/service-protocol.js';
import { runServiceHost, type ServiceHost } from '../../src-main/engine/service/service-runner.js';
import { messagePortTransport } from '../../src-main/engine/service/host-transport.js';
import { JobEvents } from '../../src-main/engine/service/job-events.js';
import type { JobSnapshot } from '../../src-main/engine/jobs/job-queue.js';
import { EVENTS, REQUESTS } from '../../src-main/shared/contract.js';
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

/** The main process's side of a channel: everything received, checked against the outgoing schema. */
class MainSide {
  readonly inbox: HostOutgoing[] = [];
  private nextId = 1;

  constructor(readonly port: MessagePort) {
    port.on('message', (message: unknown) => this.inbox.push(hostOutgoingSchema.parse(message)));
  }

  async request(channel: string, payload: unknown): Promise<HostOutgoing> {
    const id = this.nextId++;
    this.port.postMessage({ kind: 'request', id, channel, payload });
    return this.responseTo(id);
  }

  async responseTo(id: number | null): Promise<HostOutgoing> {
    return this.waitFor((m) => m.kind === 'response' && m.id === id);
  }

  async waitFor(match: (m: HostOutgoing) => boolean, ms = 30_000): Promise<HostOutgoing> {
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

describe('service host over a MessageChannel', () => {
  let main: MainSide;
  let host: ServiceHost;

  beforeAll(async () => {
    const { port1, port2 } = new MessageChannel();
    main = new MainSide(port2);
    host = runServiceHost(messagePortTransport(port1), (log) => {
      const service = new AppService({
        libraryFile: path.join(work, 'channel', 'library.db'),
        dataDir: path.join(work, 'channel'),
        modelPath,
        engineOptions: { threads: 1 },
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

  it('rejects malformed envelopes and payloads without reaching the service', async () => {
    main.port.postMessage({ kind: 'request', id: 70, channel: 'library:nope', payload: {} });
    expect(await main.responseTo(70)).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/malformed message: channel/) as unknown },
    });
    main.port.postMessage({ kind: 'request', id: 71, channel: 'tags:list', payload: {}, sneaky: true });
    expect(await main.responseTo(71)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    main.port.postMessage({ kind: 'request', id: -3, channel: 'tags:list', payload: {} });
    main.port.postMessage('hello');
    await main.waitFor((m) => m.kind === 'response' && m.id === null && !m.ok);
    expect(main.inbox.filter((m) => m.kind === 'response' && m.id === null)).toHaveLength(2);
    const badPayload = await main.request('images:get', { imageId: -1 });
    expect(badPayload).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: expect.stringMatching(/imageId/) as unknown },
    });
    const badImage = await main.request('images:image', { imageId: 1, variant: 'huge' });
    expect(badImage).toMatchObject({ ok: false, error: { code: 'bad_request' } });
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
    const exported = await main.request('export:toPath', { format: 'csv', scope: 'all', path: file });
    expect(exported).toMatchObject({ ok: true, result: { path: file, count: 6 } });
    expect((await readFile(file, 'utf8')).split('\r\n').filter(Boolean)).toHaveLength(7);
    expect(await main.request('export:run', { format: 'csv', scope: 'all' })).toMatchObject({
      ok: false,
      error: { code: 'unsupported' },
    });
  });

  it('closes the service on host:close and answers later requests with an error', async () => {
    expect(await main.request('host:close', {})).toMatchObject({ ok: true, result: null });
    await host.closed;
    await expect(host.service?.handle('tags:list', {})).rejects.toMatchObject({ code: 'unsupported' });
  });

  it('reports a service that cannot start as fatal', () => {
    const { port1, port2 } = new MessageChannel();
    const side = new MainSide(port2);
    const failed = runServiceHost(messagePortTransport(port1), () => {
      throw new Error('the library file has schema version 99');
    });
    expect(failed.service).toBeNull();
    return side
      .waitFor((m) => m.kind === 'fatal' && /schema version 99/.test(m.message))
      .finally(() => port2.close());
  });
});

describe('service-host entry', () => {
  it('runs under a forked Node: ready, answers a request, exits after host:close', async () => {
    const entry = path.join(REPO_ROOT, 'out', 'src-main', 'engine', 'app-service', 'service-host.js');
    const child = fork(
      entry,
      ['--library', path.join(work, 'forked', 'library.db'), '--data-dir', path.join(work, 'forked')],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, SKIPTAG_MODEL: modelPath },
      },
    );
    const received: HostOutgoing[] = [];
    child.on('message', (m) => received.push(hostOutgoingSchema.parse(m)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const waitFor = async (match: (m: HostOutgoing) => boolean) => {
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
    child.send({ kind: 'request', id: 2, channel: 'host:close', payload: {} });
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
