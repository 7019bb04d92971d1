// Crash isolation (test): a decoder crash kills only a worker process — while thumbnailing in the app's service, and in `tag` with or without a library.
import { fork } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRequestChannel, REQUESTS, type ImageSummary } from '../../src-main/shared/contract.js';
import type { FromService } from '../../src-main/shared/service-protocol.js';
import { TEST_CRASH_MARKER_ENV } from '../../src-main/engine/worker/crash-injection.js';
import { isProcessAlive } from '../../src-main/engine/process-alive.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { REPO_ROOT, runCli } from '../support/run-cli.js';

let work: string;
let model: string;
let photos: string;
let expected: Map<string, string>;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-crash-'));
  model = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  expected = await writeColourPhotos(photos);
  // A perfectly good photo: only the test-only fault injection makes the decoder "crash" on it.
  await copyFile(path.join(photos, 'red-photo.jpg'), path.join(photos, 'poison.jpg'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the service process when a thumbnail crashes the decoder', () => {
  it('loses only a worker: the service, its library and every other picture go on', async () => {
    const entry = path.join(REPO_ROOT, 'out', 'src-main', 'engine', 'service', 'service-main.js');
    const service = fork(
      entry,
      ['--library', path.join(work, 'app', 'library.db'), '--data-dir', path.join(work, 'app')],
      {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        serialization: 'advanced',
        // Classification is left alone: only renders of poison.jpg crash, as a broken thumbnail decoder would.
        env: { ...process.env, SKIPTAG_MODEL: model, [TEST_CRASH_MARKER_ENV]: 'render:poison' },
      },
    );
    const received: FromService[] = [];
    service.on('message', (m: FromService) => received.push(m));
    const exited = new Promise<number | null>((resolve) => service.on('exit', (code) => resolve(code)));
    const waitFor = async (match: (m: FromService) => boolean) => {
      const deadline = Date.now() + 120_000;
      for (;;) {
        const found = received.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(received.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    let nextId = 1;
    // As main does: contract payloads validated (defaults filled in) before they go to the service.
    const request = async (channel: string, payload: unknown): Promise<unknown> => {
      const id = nextId++;
      const parsed = isRequestChannel(channel) ? REQUESTS[channel].input.parse(payload) : payload;
      service.send({ kind: 'request', id, channel, payload: parsed });
      const response = await waitFor((m) => m.kind === 'response' && m.id === id);
      if (response.kind !== 'response') throw new Error('not a response');
      if (!response.ok) throw new Error(`${channel}: ${response.error.message}`);
      return response.result;
    };

    try {
      await waitFor((m) => m.kind === 'ready');
      await request('settings:set', { ep: 'cpu' });
      await request('library:addFolders', { paths: [photos] });
      await waitFor(
        (m) =>
          m.kind === 'event' &&
          m.channel === 'jobs:progress' &&
          (m.payload as { state: string }).state === 'done',
      );
      const page = (await request('images:query', { filter: {}, offset: 0, limit: 100 })) as {
        items: ImageSummary[];
      };
      expect(page.items).toHaveLength(expected.size + 1);
      const poison = page.items.find((i) => i.name === 'poison.jpg');
      expect(poison?.status).toBe('ok');

      const servicePid = service.pid ?? 0;
      expect(await request('images:image', { imageId: poison?.id, variant: 'thumb' })).toBeNull();
      // The worker died (twice: the render was tried once more, alone), and was blamed for it in the log.
      await waitFor((m) => m.kind === 'log' && /worker process ended \(SIGSEGV\)/.test(m.message));
      expect(isProcessAlive(servicePid)).toBe(true);
      expect(service.exitCode).toBeNull();
      // Asked again, the poison is not rendered again (no new crash): the answer is the same null.
      const crashesBefore = received.filter((m) => m.kind === 'log' && /SIGSEGV/.test(m.message)).length;
      expect(await request('images:image', { imageId: poison?.id, variant: 'preview' })).toBeNull();

      // Everything else works: thumbnails of the other photos, queries, decisions, an export.
      for (const item of page.items.filter((i) => i.name !== 'poison.jpg')) {
        const image = (await request('images:image', { imageId: item.id, variant: 'thumb' })) as {
          data: Uint8Array;
        };
        expect((await sharp(image.data).metadata()).format).toBe('jpeg');
      }
      const red = page.items.find((i) => i.name === 'red-photo.jpg');
      expect(await request('tags:setState', { imageIds: [red?.id], tag: 'red', state: 'accepted' })).toEqual({
        changed: 1,
      });
      const csv = path.join(work, 'after-crash.csv');
      const exported = await request('export:toPath', {
        ...REQUESTS['export:run'].input.parse({ format: 'csv', scope: 'all' }),
        path: csv,
      });
      expect(exported).toEqual({ path: csv, count: expected.size + 1 });
      expect(received.filter((m) => m.kind === 'log' && /SIGSEGV/.test(m.message)).length).toBe(
        crashesBefore,
      );
      expect(isProcessAlive(servicePid)).toBe(true);
    } finally {
      service.send({ kind: 'request', id: 9999, channel: 'service:close', payload: {} });
      expect(await exited).toBe(0);
    }
  });
});

describe('tag with and without a library when a photo crashes the decoder', () => {
  type Row = Record<string, string>;
  const readCsv = async (file: string) =>
    parse(await readFile(file, 'utf8'), { columns: true, bom: true }) as Row[];
  const outcome = (rows: Row[]) =>
    rows
      .map((r) => `${path.basename(r.path ?? '')} ${r.status} ${r.error_code} ${r.label}`)
      .sort()
      .join('\n');

  it('gives the poison file an internal error and tags every other photo, the same way both times', async () => {
    const env = { [TEST_CRASH_MARKER_ENV]: 'poison' };
    const direct = path.join(work, 'direct.csv');
    const withLibrary = path.join(work, 'library.csv');
    const noLibrary = await runCli(['tag', photos, '--model', model, '--no-library', '--csv', direct], env);
    const library = await runCli(['tag', photos, '--model', model, '--csv', withLibrary], env);
    for (const run of [noLibrary, library]) {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/poison\.jpg/);
    }
    const rows = await readCsv(direct);
    expect(rows).toHaveLength(expected.size + 1);
    const poison = rows.find((r) => r.path?.endsWith('poison.jpg'));
    expect(poison).toMatchObject({ status: 'error', error_code: 'internal' });
    expect(poison?.error_message).toMatch(/crashed on this file twice \(SIGSEGV\)/);
    for (const [name, label] of expected) {
      expect(rows.find((r) => r.path?.endsWith(name))).toMatchObject({ status: 'ok', label });
    }
    expect(outcome(await readCsv(withLibrary))).toBe(outcome(rows));
  });
});
