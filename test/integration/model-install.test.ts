// Model download and install tests (test): installModel against a real local HTTP server with injected faults.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { catalogEntrySchema, type CatalogEntry } from '../../src-main/engine/models/catalog.js';
import { DownloadError, type DownloadProgress } from '../../src-main/engine/models/download.js';
import { installModel } from '../../src-main/engine/models/install.js';
import { listInstalled, partialPath } from '../../src-main/engine/models/model-store.js';
import { buildTinyResNet } from '../../src-main/engine/synth/tiny-resnet.js';
import { startModelServer, type ModelServer } from '../support/model-server.js';

const bytes = buildTinyResNet(1);
const sha256 = createHash('sha256').update(bytes).digest('hex');
const half = Math.floor(bytes.length / 2);

let server: ModelServer;
let work: string;
let dir: string;
let entry: CatalogEntry;

/** A catalogue entry for the tiny model, validated like the real catalogue's. */
function tinyEntry(url: string): CatalogEntry {
  return catalogEntrySchema.parse({
    id: 'tiny-test',
    name: 'tiny test ResNet',
    file: 'tiny-test.onnx',
    url,
    sha256,
    bytes: bytes.length,
    opset: 17,
    precision: 'fp32',
    input: { name: 'data', shape: ['N', 3, 32, 32] },
    output: { name: 'logits', shape: ['N', 10] },
    imagenetTop1: 0,
    imagenetTop5: null,
    preprocessing: { resizeShorter: 37, crop: 32, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    labels: 'imagenet-1k',
  });
}

async function expectFailure(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

const install = (options: Partial<Parameters<typeof installModel>[1]> = {}) =>
  installModel(entry, { dir, selfTest: null, stallTimeoutMs: 5000, ...options });

beforeAll(async () => {
  server = await startModelServer();
  server.serve('/zoo/tiny-test.onnx', bytes);
  server.serve('/mirror/tiny-test.onnx', bytes);
  server.redirect('/moved/tiny-test.onnx', '/zoo/tiny-test.onnx');
  entry = tinyEntry(`${server.url}/zoo/tiny-test.onnx`);
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-install-'));
});

afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = path.join(work, `models-${Math.random().toString(36).slice(2)}`);
  server.requests.length = 0;
});

afterEach(() => {
  expect(existsSync(`${partialPath(entry.id, dir)}.lock`), 'install lock released').toBe(false);
});

describe('installModel', () => {
  it('downloads, verifies and installs the model atomically, reporting progress', async () => {
    const progress: DownloadProgress[] = [];
    const result = await install({ onProgress: (p) => progress.push(p) });
    const target = path.join(dir, 'tiny-test.onnx');
    expect(result).toMatchObject({
      id: 'tiny-test',
      path: target,
      bytes: bytes.length,
      sha256,
      resumedFrom: 0,
    });
    expect(
      createHash('sha256')
        .update(await readFile(target))
        .digest('hex'),
    ).toBe(sha256);
    expect(existsSync(partialPath(entry.id, dir))).toBe(false);
    expect((await listInstalled(dir)).map((m) => m.id)).toEqual(['tiny-test']);
    expect(progress.at(-1)).toMatchObject({ bytes: bytes.length, total: bytes.length });
    expect(server.requests).toEqual([{ path: '/zoo/tiny-test.onnx', range: null, status: 200 }]);
  });

  it('follows redirects', async () => {
    const moved = { ...entry, url: `${server.url}/moved/tiny-test.onnx` };
    await installModel(moved, { dir, selfTest: null });
    expect(server.requests.map((r) => r.status)).toEqual([302, 200]);
    expect((await listInstalled(dir)).map((m) => m.id)).toEqual(['tiny-test']);
  });

  it('fetches <mirror>/<file name> when a mirror is given', async () => {
    await install({ mirror: `${server.url}/mirror/` });
    expect(server.requests.map((r) => r.path)).toEqual(['/mirror/tiny-test.onnx']);
    expect((await listInstalled(dir)).map((m) => m.id)).toEqual(['tiny-test']);
  });

  it('uses an injected fetch implementation (the app may route downloads through its own network stack)', async () => {
    const seen: string[] = [];
    const fetchImpl: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    await install({ fetchImpl });
    expect(seen).toEqual([entry.url]);
  });

  it('keeps a truncated download and resumes it with a Range request', async () => {
    server.fault({ kind: 'truncate', after: half });
    const error = await expectFailure(install());
    expect(error.kind).toBe('network');
    expect(error.partialKept).toBe(true);
    expect(error.message).toContain(entry.url);
    expect(error.message).toMatch(/resume/);
    const kept = (await stat(partialPath(entry.id, dir))).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(half);
    expect(existsSync(path.join(dir, 'tiny-test.onnx'))).toBe(false);
    expect(await listInstalled(dir)).toEqual([]);

    const result = await install();
    expect(result.resumedFrom).toBe(kept);
    expect(server.requests.at(-1)).toEqual({
      path: '/zoo/tiny-test.onnx',
      range: `bytes=${kept}-`,
      status: 206,
    });
    expect(
      createHash('sha256')
        .update(await readFile(result.path))
        .digest('hex'),
    ).toBe(sha256);
  });

  it('aborts a stalled download within the stall timeout, keeps the .part, and resumes next time', async () => {
    server.fault({ kind: 'stall', after: half });
    // The stall timer, not the test's timeout, ends it: the error says which timer fired and after how long.
    const error = await expectFailure(install({ stallTimeoutMs: 300 }));
    expect(error.kind).toBe('stalled');
    expect(error.message).toContain('download stalled for 0.3 s');
    const kept = (await stat(partialPath(entry.id, dir))).size;
    expect(kept).toBe(half);
    expect(existsSync(path.join(dir, 'tiny-test.onnx'))).toBe(false);

    const result = await install();
    expect(result.resumedFrom).toBe(half);
    expect(server.requests.at(-1)?.range).toBe(`bytes=${half}-`);
    expect(result.sha256).toBe(sha256);
  });

  it('gives up on a server that trickles, keeps what arrived, and resumes next time', async () => {
    // One byte every 50 ms keeps re-arming the stall timer; the minimum rate ends it.
    server.fault({ kind: 'trickle', bytes: 1, everyMs: 50 });
    const minRate = { bytesPerSecond: 1000, windowMs: 400 };
    const error = await expectFailure(install({ minRate }));
    expect(error.kind).toBe('slow');
    expect(error.message).toMatch(
      new RegExp(
        `^download too slow: ${entry.url} sent \\d+ bytes in the last 0\\.4 s \\(at least 1000 bytes/s are needed\\)`,
      ),
    );
    const kept = (await stat(partialPath(entry.id, dir))).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(bytes.length);
    expect(error.partialKept).toBe(true);
    const result = await install({ minRate });
    expect(result.resumedFrom).toBe(kept);
    expect(server.requests.at(-1)).toMatchObject({ range: `bytes=${kept}-`, status: 206 });
    expect(result.sha256).toBe(sha256);
    // An idle run takes about 0.5 s; a download that is never given up on ends at this timeout instead.
  }, 30_000);

  it.each([
    ['with a Content-Length', false],
    ['chunked, ending cleanly', true],
  ])(
    'refuses a complete answer of the wrong size (%s): not the catalogue’s file, deleted, not resumed',
    async (_how, chunked) => {
      server.fault({ kind: 'wrong-size', bytes: bytes.length - 100, chunked });
      const error = await expectFailure(install());
      expect(error.kind).toBe('size');
      expect(error.partialKept).toBe(false);
      expect(error.message).toMatch(/^not the catalogue's file: /);
      expect(error.message).toContain(`expected ${bytes.length} bytes`);
      expect(existsSync(partialPath(entry.id, dir))).toBe(false);
      expect(await listInstalled(dir)).toEqual([]);
      server.requests.length = 0;
      expect((await install()).sha256).toBe(sha256);
      expect(server.requests.map((r) => [r.range, r.status])).toEqual([[null, 200]]);
    },
  );

  it('starts over when the server ignores the Range header (200) or refuses it (416)', async () => {
    const part = partialPath(entry.id, dir);
    await mkdir(path.dirname(part), { recursive: true });
    await writeFile(part, bytes.subarray(0, 100));
    server.fault({ kind: 'ignore-range' });
    expect((await install()).resumedFrom).toBe(0);
    expect(server.requests.map((r) => [r.range, r.status])).toEqual([['bytes=100-', 200]]);

    await rm(path.join(dir, 'tiny-test.onnx'));
    server.requests.length = 0;
    // A .part as long as the file but different: the size matches, the hash does not, so it is thrown away.
    await writeFile(part, Buffer.alloc(bytes.length, 1));
    expect((await install()).sha256).toBe(sha256);
    expect(server.requests.map((r) => [r.range, r.status])).toEqual([[null, 200]]);

    await rm(path.join(dir, 'tiny-test.onnx'));
    server.requests.length = 0;
    // Claims a file we think is shorter than our .part: the server answers 416 and we start over.
    const longer = { ...entry, bytes: bytes.length + 10 };
    await writeFile(part, Buffer.concat([bytes, Buffer.alloc(5)]));
    server.serve('/zoo/tiny-test.onnx', bytes.subarray(0, 50));
    try {
      await expectFailure(installModel(longer, { dir, selfTest: null }));
    } finally {
      server.serve('/zoo/tiny-test.onnx', bytes);
    }
    expect(server.requests.map((r) => [r.range, r.status])).toEqual([
      [`bytes=${bytes.length + 5}-`, 416],
      [null, 200],
    ]);
  });

  it('installs a complete, verified .part left by an interrupted install without downloading again', async () => {
    const part = partialPath(entry.id, dir);
    await mkdir(path.dirname(part), { recursive: true });
    await writeFile(part, bytes);
    const result = await install();
    expect(result.resumedFrom).toBe(bytes.length);
    expect(server.requests).toEqual([]);
    expect(existsSync(part)).toBe(false);
  });

  it('refuses a file with the wrong checksum: nothing installed, no .part left, both hashes in the message', async () => {
    server.fault({ kind: 'wrong-bytes' });
    const error = await expectFailure(install());
    expect(error.kind).toBe('checksum');
    expect(error.message).toContain(`expected sha256 ${sha256}`);
    const got = createHash('sha256')
      .update(Buffer.from(bytes.map((b) => b ^ 0xff)))
      .digest('hex');
    expect(error.message).toContain(`got ${got}`);
    expect(existsSync(path.join(dir, 'tiny-test.onnx'))).toBe(false);
    expect(existsSync(partialPath(entry.id, dir))).toBe(false);
  });

  it('refuses a body longer than the catalogue size and deletes it', async () => {
    server.fault({ kind: 'too-long', extra: 1000 });
    const error = await expectFailure(install());
    expect(error.kind).toBe('size');
    expect(error.message).toContain(`expected ${bytes.length} bytes`);
    expect(existsSync(partialPath(entry.id, dir))).toBe(false);
    expect(await listInstalled(dir)).toEqual([]);
  });

  it('reports an HTTP error with the URL and status, installing nothing', async () => {
    server.fault({ kind: 'status', status: 404 });
    const error = await expectFailure(install());
    expect(error.kind).toBe('http');
    expect(error.message).toBe(`cannot download ${entry.url}: HTTP 404 Not Found`);
    expect(await listInstalled(dir)).toEqual([]);
    server.fault({ kind: 'status', status: 503 });
    expect((await expectFailure(install())).message).toContain('HTTP 503');
  });

  it('reports a refused connection clearly', async () => {
    const closed = await startModelServer();
    const url = `${closed.url}/zoo/tiny-test.onnx`;
    await closed.close();
    const error = await expectFailure(installModel({ ...entry, url }, { dir, selfTest: null }));
    expect(error.kind).toBe('network');
    expect(error.message).toContain(`network error downloading ${url}`);
    expect(error.message).toContain('ECONNREFUSED');
    expect(await listInstalled(dir)).toEqual([]);
  });

  it('stops when cancelled and keeps the partial download', async () => {
    server.fault({ kind: 'stall', after: half });
    const controller = new AbortController();
    const pending = install({ signal: controller.signal });
    // Cancel once the first half is on disk, as Ctrl-C during a download would.
    const part = partialPath(entry.id, dir);
    while (((await stat(part).catch(() => null))?.size ?? 0) < half) await sleep(10);
    controller.abort();
    const error = await expectFailure(pending);
    expect(error.message).toMatch(/cancelled.*resumes/);
    expect(error.kind).toBe('cancelled');
    expect((await stat(partialPath(entry.id, dir))).size).toBe(half);
  });

  it('refuses to run while another live process holds the install lock, and takes over a dead one', async () => {
    const lock = `${partialPath(entry.id, dir)}.lock`;
    await mkdir(path.dirname(lock), { recursive: true });
    await writeFile(lock, String(process.pid));
    const error = await expectFailure(install());
    expect(error.kind).toBe('busy');
    expect(error.message).toContain(`process ${process.pid}`);
    // No process has this pid (above the Linux maximum of 2^22).
    await writeFile(lock, String(2 ** 22 + 123));
    expect((await install()).sha256).toBe(sha256);
  });

  it('rejects a mirror that is not an http(s) URL', async () => {
    await expect(install({ mirror: 'ftp://example.org/models' })).rejects.toThrow(/only http and https/);
    await expect(install({ mirror: 'not a url' })).rejects.toThrow(/invalid mirror URL/);
  });
});
