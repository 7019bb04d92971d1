// Test bridge (test): the real AppService over HTTP + SSE, the renderer's files with the shim, and the shim in Chromium.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_METHODS, EVENTS, REQUESTS, type EventChannel } from '../../src-main/shared/contract.js';
import { startBridge, type Bridge } from '../e2e/bridge/bridge-server.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' app: http://127.0.0.1:*; connect-src 'self'; base-uri 'none'; form-action 'none'";
const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta
      http-equiv="Content-Security-Policy"
      content="${CSP}"
    />
    <title>Skiptag</title>
    <script type="module" crossorigin src="./assets/app.js"></script>
  </head>
  <body><div id="app"></div></body>
</html>
`;
/** Stands in for the built app: records what window.skiptag looked like when the app's module ran. */
const APP_JS = `window.__appSawApi = typeof window.skiptag === 'object' && typeof window.skiptag.listFolders === 'function';\n`;

/** What the page sees, for typing the code that runs in Chromium. */
type Envelope<T = unknown> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };
interface PageWindow extends Record<string, unknown> {
  skiptag: {
    pickFolders(input: unknown): Promise<Envelope>;
    addDroppedFiles(files: unknown[]): Promise<Envelope<{ path: string }[]>>;
    listFolders(input: unknown): Promise<Envelope<unknown[]>>;
    exportLabels(input: unknown): Promise<Envelope>;
    getImage(input: unknown): Promise<Envelope>;
    onLibraryChanged(listener: (change: unknown) => void): () => void;
  };
}

let work: string;
let photos: string;
let bridge: Bridge;

/** Everything the SSE stream delivered, parsed. */
const streamed: { channel: EventChannel; payload: unknown }[] = [];
let stopStream: AbortController;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-bridge-'));
  const modelPath = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  await writeColourPhotos(photos);
  const rendererDir = path.join(work, 'renderer');
  await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), INDEX_HTML);
  await writeFile(path.join(rendererDir, 'assets', 'app.js'), APP_JS);
  bridge = await startBridge({
    port: 0,
    dataDir: path.join(work, 'data'),
    libraryFile: path.join(work, 'data', 'library.db'),
    modelPath,
    rendererDir,
    service: { workerOptions: { threads: 1 } },
  });
  await api('settings:set', { ep: 'cpu' });
});

afterAll(async () => {
  stopStream?.abort();
  await bridge.close();
  await rm(work, { recursive: true, force: true });
});

async function api(
  channel: string,
  input: unknown,
): Promise<{
  status: number;
  body: { ok: boolean; value?: unknown; error?: { code: string; message: string } };
}> {
  const response = await fetch(`${bridge.url}/api/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return { status: response.status, body: (await response.json()) as never };
}

async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Reads the event stream in the background (Node 20 has no EventSource). */
async function readStream(): Promise<void> {
  stopStream = new AbortController();
  const response = await fetch(`${bridge.url}/events`, { signal: stopStream.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) return;
        buffer += chunk.value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const channel = /^event: (.+)$/m.exec(block)?.[1] as EventChannel | undefined;
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (channel && data) streamed.push({ channel, payload: EVENTS[channel].parse(JSON.parse(data)) });
        }
      }
    } catch {
      // aborted at the end of the tests
    }
  })();
}

describe('test bridge', () => {
  it('answers /api requests with the service and streams its events', async () => {
    expect(await api('library:listFolders', {})).toEqual({ status: 200, body: { ok: true, value: [] } });
    await readStream();
    const added = await api('library:addFolders', { paths: [photos] });
    expect(added.status).toBe(200);
    REQUESTS['library:addFolders'].output.parse(added.body.value);
    await until('the job to finish on the stream', () =>
      streamed.some(
        (e) => e.channel === 'jobs:progress' && (e.payload as { state: string }).state === 'done',
      ),
    );
    expect(streamed.some((e) => e.channel === 'library:changed')).toBe(true);
    const page = await api('images:query', { filter: { tag: 'red', minScore: 0.5 }, offset: 0, limit: 10 });
    const items = REQUESTS['images:query'].output.parse(page.body.value).items;
    expect(items.map((i) => i.name)).toEqual(['red-photo.jpg']);
    const thumb = await fetch(`${bridge.url}${items[0]?.thumbUrl ?? ''}`);
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/jpeg');
    expect((await fetch(`${bridge.url}/preview/99999`)).status).toBe(404);
  });

  it('answers errors with the service error code and refuses foreign requests', async () => {
    expect(await api('library:nope', {})).toMatchObject({
      status: 400,
      body: { ok: false, error: { code: 'bad_request' } },
    });
    expect(await api('images:get', { imageId: 99999 })).toMatchObject({
      status: 404,
      body: { ok: false, error: { code: 'not_found', message: 'no image with id 99999' } },
    });
    // Checked against the contract by the bridge itself, as main's IPC wrapper does, in main's words.
    expect(await api('tags:add', { imageIds: [], tag: ' ' })).toEqual({
      status: 400,
      body: {
        ok: false,
        error: {
          code: 'bad_request',
          message: expect.stringMatching(/^tags:add: invalid payload — imageIds: .*; tag: /) as unknown,
        },
      },
    });
    const plainPost = await fetch(`${bridge.url}/api/tags:list`, { method: 'POST', body: '{}' });
    expect(plainPost.status).toBe(415);
    const status = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(bridge.url);
      httpRequest(
        { host: '127.0.0.1', port, path: '/api/tags:list', method: 'GET', headers: { host: 'evil.example' } },
        (res) => resolve(res.statusCode ?? 0),
      )
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
  });

  it('serves the renderer with the shim injected before its scripts and the meta CSP as a header', async () => {
    const index = await fetch(`${bridge.url}/`);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe(CSP);
    const html = await index.text();
    expect(html.indexOf('<script src="/bridge-shim.js"></script>')).toBeGreaterThan(0);
    expect(html.indexOf('/bridge-shim.js')).toBeLessThan(html.indexOf('./assets/app.js'));
    const script = await fetch(`${bridge.url}/assets/app.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const shim = await (await fetch(`${bridge.url}/bridge-shim.js`)).text();
    expect(shim).toContain(JSON.stringify(API_METHODS));
    expect((await fetch(`${bridge.url}/..%2f..%2fetc/passwd`)).status).not.toBe(200);
  });

  const chromium = [process.env.SKIPTAG_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (p): p is string => p !== undefined && existsSync(p),
  );
  it.skipIf(chromium === undefined)(
    'gives the page a working window.skiptag under the CSP (Chromium)',
    async () => {
      const { chromium: launcher } = await import('playwright-core');
      const browser = await launcher.launch({ executablePath: chromium, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        page.on('pageerror', (e) => problems.push(e.message));
        await page.goto(bridge.url);
        await page.waitForFunction(
          () => (globalThis as unknown as { __appSawApi?: boolean }).__appSawApi === true,
        );
        const exportPath = path.join(work, 'from-browser.csv');
        // Subscribe first, and go on once the page's event stream is connected (the bridge then listens to
        // the service once more), however long that takes: events sent before would be lost.
        const listening = bridge.service.listenerCount('event');
        await page.evaluate(() => {
          const w = globalThis as unknown as PageWindow & { __changes: unknown[] };
          w.__changes = [];
          w.skiptag.onLibraryChanged((c) => w.__changes.push(c));
        });
        await until('the page’s event stream', () => bridge.service.listenerCount('event') > listening);
        const outcome = await page.evaluate(
          async ({ folder, file }) => {
            const w = globalThis as unknown as PageWindow & { __changes: unknown[] };
            const changes = w.__changes;
            const cancelled = await w.skiptag.pickFolders({});
            w.__skiptagTestDropPaths = [folder];
            const dropped = await w.skiptag.addDroppedFiles([]);
            const folders = await w.skiptag.listFolders({});
            const noDialog = await w.skiptag.exportLabels({ format: 'csv', scope: 'all' });
            w.__skiptagTestExportPath = file;
            const exported = await w.skiptag.exportLabels({ format: 'csv', scope: 'all' });
            const rejected = await w.skiptag.getImage({ imageId: -1 });
            const missing = await w.skiptag.getImage({ imageId: 99999 });
            delete w.__skiptagTestDropPaths;
            const nothingDropped = await w.skiptag.addDroppedFiles([]);
            // The folder just added makes the library change: wait for the first event, not for a set time.
            for (let waited = 0; changes.length === 0 && waited < 30_000; waited += 25) {
              await new Promise((r) => setTimeout(r, 25));
            }
            const replaced = (() => {
              try {
                w.skiptag = {} as never;
              } catch {
                // strict mode would throw; the page runs sloppy here
              }
              return typeof w.skiptag.listFolders === 'function';
            })();
            return {
              cancelled,
              dropped,
              folders,
              noDialog,
              exported,
              rejected,
              missing,
              nothingDropped,
              changes: changes.length,
              replaced,
            };
          },
          { folder: photos, file: exportPath },
        );
        // The same envelopes as the preload's: values under `value`, failures with their code.
        expect(outcome).toMatchObject({
          cancelled: { ok: true, value: [] },
          dropped: { ok: true, value: [{ path: photos }] },
          folders: { ok: true, value: [{ path: photos }] },
          noDialog: { ok: true, value: { path: null, count: 0 } },
          exported: { ok: true, value: { path: exportPath, count: 6 } },
          rejected: {
            ok: false,
            error: {
              code: 'bad_request',
              message: expect.stringMatching(/^images:get: invalid payload — imageId/),
            },
          },
          missing: { ok: false, error: { code: 'not_found', message: 'no image with id 99999' } },
          nothingDropped: { ok: false, error: { code: 'bad_request' } },
          replaced: true,
        });
        expect(outcome.changes).toBeGreaterThan(0);
        expect((await readFile(exportPath, 'utf8')).split('\r\n').filter(Boolean)).toHaveLength(7);
        // The 400 and 404 of the deliberately bad requests are the only console errors: no CSP violation, no exception.
        expect(problems.filter((p) => !/status of (400|404)/.test(p))).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
