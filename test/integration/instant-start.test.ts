// Instant start tests (test): model hash cache, the engine started only for work, GPU probe and optimized-session caches.
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Classifier } from '../../src-main/engine/classify/classifier.js';
import {
  PROVIDER_PROBE_CACHE_FILE,
  ProviderProbeCache,
} from '../../src-main/engine/classify/provider-probe-cache.js';
import { SESSION_CACHE_DIR } from '../../src-main/engine/classify/session-cache.js';
import { identifyModel } from '../../src-main/engine/models/locate-model.js';
import { MODEL_HASH_CACHE_FILE } from '../../src-main/engine/models/model-hash-cache.js';
import { buildTinyResNet } from '../../src-main/engine/synth/tiny-resnet.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { runCli } from '../support/run-cli.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-instant-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function input(side: number): Float32Array {
  const data = new Float32Array(3 * side * side);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 2;
  return data;
}

describe('model hash cache', () => {
  it('answers from the cache while the file is unchanged, and hashes again when it changes', async () => {
    const cacheDir = path.join(dir, 'hash-cache');
    const model = path.join(dir, 'hashed.onnx');
    await writeFile(model, buildTinyResNet(1));
    const plain = await identifyModel(model);
    const first = await identifyModel(model, { cacheDir });
    expect(first).toEqual(plain);
    expect(existsSync(path.join(cacheDir, MODEL_HASH_CACHE_FILE))).toBe(true);

    // Proof that the cache is read: a planted hash for the unchanged file comes back as is.
    const cacheFile = path.join(cacheDir, MODEL_HASH_CACHE_FILE);
    const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as {
      value: Record<string, { sha256: string }>;
    };
    const entry = cached.value[path.resolve(model)];
    expect(entry?.sha256).toBe(plain.sha256);
    if (entry) entry.sha256 = 'f'.repeat(64);
    await writeFile(cacheFile, JSON.stringify(cached));
    expect((await identifyModel(model, { cacheDir })).sha256).toBe('f'.repeat(64));

    // Same size, same mtime put back: ctime still moves, so the new bytes are hashed.
    const before = await stat(model);
    await writeFile(model, buildTinyResNet(2));
    await utimes(model, before.atime, before.mtime);
    const rewritten = await identifyModel(model, { cacheDir });
    expect(rewritten.sha256).toBe((await identifyModel(model)).sha256);
    expect(rewritten.sha256).not.toBe(plain.sha256);

    // Replaced by a rename (another inode): hashed again.
    const other = path.join(dir, 'other.onnx');
    await writeFile(other, buildTinyResNet(1));
    await rename(other, model);
    expect((await identifyModel(model, { cacheDir })).sha256).toBe(plain.sha256);
  });

  it('ignores a damaged or foreign cache file and an unwritable cache folder', async () => {
    const model = path.join(dir, 'damaged.onnx');
    await writeFile(model, buildTinyResNet(4));
    const expected = await identifyModel(model);
    const cacheDir = path.join(dir, 'damaged-cache');
    await identifyModel(model, { cacheDir });
    for (const junk of ['{not json', '{"version":99,"value":{}}', 'null', '{"version":1,"value":{"x":1}}']) {
      await writeFile(path.join(cacheDir, MODEL_HASH_CACHE_FILE), junk);
      expect(await identifyModel(model, { cacheDir })).toEqual(expected);
    }
    // A cache "folder" that is a file: nothing can be written, the answer is still right.
    const blocked = path.join(dir, 'blocked');
    await writeFile(blocked, 'a file, not a folder');
    expect(await identifyModel(model, { cacheDir: blocked })).toEqual(expected);
  });
});

describe('tag starts the engine only when there is something to classify', () => {
  it('a second run over an unchanged folder never loads the model; a new photo does', async () => {
    const work = path.join(dir, 'lazy');
    const model = await writeColourModel(path.join(work, 'model'));
    const photos = path.join(work, 'photos');
    await writeColourPhotos(photos);
    const library = path.join(work, 'library.db');
    const cacheDir = path.join(work, 'cache');
    const env = { SKIPTAG_CACHE_DIR: cacheDir };
    const first = await runCli(['tag', photos, '--model', model, '--library', library, '-q'], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/model colours\.onnx on cpu/);

    const again = await runCli(['tag', photos, '--model', model, '--library', library, '-q'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/model colours\.onnx on/);
    expect(again.stderr).toMatch(/0 new, 0 changed, \d+ unchanged; 0 tagged/);
    expect(again.stderr).toContain('nothing to classify: the model was not loaded');
    // Exports still hold every photo: they come from the library.
    const csv = path.join(work, 'again.csv');
    const exported = await runCli(
      ['tag', photos, '--model', model, '--library', library, '--csv', csv, '-q'],
      env,
    );
    expect(exported.code).toBe(0);
    const rows = (await readFile(csv, 'utf8')).trim().split('\n');
    expect(rows.length - 1).toBe((await readdir(photos)).length);

    await writeColourPhotos(path.join(photos, 'more'));
    const more = await runCli(['tag', photos, '--model', model, '--library', library, '-q'], env);
    expect(more.code).toBe(0);
    expect(more.stderr).toMatch(/model colours\.onnx on cpu/);
    expect(more.stderr).toMatch(/[1-9]\d* new/);
  });

  it('ends the worker it started ahead when nothing needed it, and after a usage error', async () => {
    const work = path.join(dir, 'head-start');
    const model = await writeColourModel(path.join(work, 'model'));
    const photos = path.join(work, 'photos');
    await writeColourPhotos(photos);
    const library = path.join(work, 'library.db');
    // Every process of these runs carries the mark; none may be left once the command has returned.
    const mark = `head-start-${process.pid}-${Date.now()}`;
    const env = { SKIPTAG_CACHE_DIR: path.join(work, 'cache'), SKIPTAG_TEST_RUN_MARK: mark };
    const args = ['tag', photos, '--model', model, '--library', library, '-q'];
    expect((await runCli(args, env)).code).toBe(0);
    const unchanged = await runCli(args, env);
    expect(unchanged.code).toBe(0);
    expect(unchanged.stderr).toContain('nothing to classify: the model was not loaded');
    const usage = await runCli([...args, '--no-such-option'], env);
    expect(usage.code).toBe(2);
    if (process.platform === 'linux') expect(await processesMarked(mark)).toEqual([]);
  });

  it('--timings says when the model opened and how long the photos took, in order', async () => {
    const work = path.join(dir, 'timings');
    const model = await writeColourModel(path.join(work, 'model'));
    const photos = path.join(work, 'photos');
    const count = (await writeColourPhotos(photos)).size;
    const library = path.join(work, 'library.db');
    const args = ['tag', photos, '--model', model, '--library', library, '-q', '--timings'];
    const env = { SKIPTAG_CACHE_DIR: path.join(work, 'cache') };
    const run = await runCli(args, env);
    expect(run.code, run.stderr).toBe(0);
    const line =
      /timings: worker asked for at ([\d.]+) s; model open at ([\d.]+) s; first photo to the decoder at ([\d.]+) s, last result at ([\d.]+) s \((\d+) photos in ([\d.]+) s: ([\d.]+) per second\)/.exec(
        run.stderr,
      );
    if (!line) throw new Error(`no timings line:\n${run.stderr}`);
    const [asked, open, first, last, photosDone, seconds] = line.slice(1).map(Number);
    expect(photosDone).toBe(count);
    expect(asked).toBeLessThan(open ?? 0);
    expect(first).toBeLessThanOrEqual(last ?? 0);
    expect(open).toBeLessThanOrEqual(last ?? 0);
    expect(seconds).toBeCloseTo((last ?? 0) - (first ?? 0), 1);
    const again = await runCli(args, env);
    expect(again.stderr).toContain('timings: nothing to classify, no worker was asked for');
    const direct = await runCli(['tag', photos, '--model', model, '--no-library', '--timings'], env);
    expect(direct.code).toBe(2);
    expect(direct.stderr).toMatch(/--timings .*drop --no-library/);
  });

  it('a model that cannot load still fails the run (exit 3) once a photo needs it', async () => {
    const work = path.join(dir, 'lazy-broken');
    const photos = path.join(work, 'photos');
    await writeColourPhotos(photos);
    const broken = path.join(work, 'broken.onnx');
    await writeFile(broken, Buffer.from('not a model at all'));
    const run = await runCli(['tag', photos, '--model', broken, '--library', path.join(work, 'l.db')]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/cannot load model/);
  });
});

describe('GPU probe cache', () => {
  it('remembers a GPU provider that failed and skips it next time, until the fingerprint changes', async () => {
    const cacheDir = path.join(dir, 'probe-cache');
    const model = path.join(dir, 'probe.onnx');
    await writeFile(model, buildTinyResNet(3));
    const open = async (fingerprint: string) =>
      Classifier.open(model, {
        providers: ['webgpu', 'cpu'],
        threads: 1,
        probeCache: await ProviderProbeCache.load(cacheDir, fingerprint),
      });
    const first = await open('machine-a');
    await first.close();
    const webgpu = first.attempts.find((a) => a.provider === 'webgpu');
    if (webgpu?.ok) {
      // A machine whose GPU works: nothing is remembered, the GPU is used every time.
      expect(existsSync(path.join(cacheDir, PROVIDER_PROBE_CACHE_FILE))).toBe(false);
      return;
    }
    expect(webgpu?.error).toBeTruthy();
    expect(webgpu?.error).not.toContain('remembered');

    const second = await open('machine-a');
    await second.close();
    expect(second.provider).toBe('cpu');
    const skipped = second.attempts.find((a) => a.provider === 'webgpu');
    expect(skipped?.ok).toBe(false);
    expect(skipped?.error).toContain(webgpu?.error ?? '?');
    expect(skipped?.error).toContain('remembered from an earlier start');

    // A new driver or onnxruntime: the provider is really tried again.
    const third = await open('machine-b');
    await third.close();
    expect(third.attempts.find((a) => a.provider === 'webgpu')?.error).not.toContain('remembered');

    // An explicit single provider is never skipped from the cache.
    const cache = await ProviderProbeCache.load(cacheDir, 'machine-b');
    expect(cache.knownFailure('webgpu')).toBeTruthy();
    await expect(
      Classifier.open(model, { providers: ['webgpu'], threads: 1, probeCache: cache }),
    ).rejects.toThrow(/webgpu/);
  });
});

describe('optimized-session cache', () => {
  it('writes onnxruntime’s optimized copy once, loads it next time with the same logits, and survives a damaged copy', async () => {
    const cacheDir = path.join(dir, 'session-cache');
    const model = path.join(dir, 'session.onnx');
    await writeFile(model, buildTinyResNet(5));
    const logitsOf = async (options: { cacheDir?: string }) => {
      const classifier = await Classifier.open(model, { ep: 'cpu', threads: 1, ...options });
      try {
        return await classifier.run(input(classifier.io.height), 1);
      } finally {
        await classifier.close();
      }
    };
    const plain = await logitsOf({});
    const writing = await logitsOf({ cacheDir });
    const copies = await readdir(path.join(cacheDir, SESSION_CACHE_DIR));
    expect(copies).toHaveLength(1);
    // ".features": the copy of the graph that also outputs the pooled features (embedding-plan-cache.ts).
    expect(copies[0]).toMatch(/^session-[0-9a-f]{24}\.features\.ort\.onnx$/);
    const copy = path.join(cacheDir, SESSION_CACHE_DIR, copies[0] ?? '');
    const written = await stat(copy);
    const reading = await logitsOf({ cacheDir });
    // Loaded, not rewritten.
    expect((await stat(copy)).mtimeMs).toBe(written.mtimeMs);
    for (const logits of [writing, reading]) {
      expect(logits.length).toBe(plain.length);
      for (let i = 0; i < plain.length; i++) expect(logits[i]).toBeCloseTo(plain[i] ?? NaN, 4);
    }

    await writeFile(copy, 'damaged');
    const recovered = await logitsOf({ cacheDir });
    for (let i = 0; i < plain.length; i++) expect(recovered[i]).toBeCloseTo(plain[i] ?? NaN, 4);
    expect((await stat(copy)).size).toBeGreaterThan(1000);

    // The model changes: another copy, and the old one is never used for it.
    await writeFile(model, buildTinyResNet(6));
    const changedPlain = await logitsOf({});
    const changed = await logitsOf({ cacheDir });
    for (let i = 0; i < changedPlain.length; i++) expect(changed[i]).toBeCloseTo(changedPlain[i] ?? NaN, 4);
    expect(await readdir(path.join(cacheDir, SESSION_CACHE_DIR))).toHaveLength(2);
  });

  it('still opens the model when the copy cannot be written', async () => {
    const cacheDir = path.join(dir, 'vanishing-cache');
    const model = path.join(dir, 'vanishing.onnx');
    await writeFile(model, buildTinyResNet(7));
    // open() makes the cache folder before its worker thread has even loaded onnxruntime; deleting the
    // folder right away makes onnxruntime fail to write the copy, which used to fail the whole session.
    const opening = Classifier.open(model, { ep: 'cpu', threads: 1, cacheDir });
    rmSync(path.join(cacheDir, SESSION_CACHE_DIR), { recursive: true, force: true });
    const classifier = await opening;
    try {
      expect(classifier.provider).toBe('cpu');
      expect((await classifier.run(input(classifier.io.height), 1)).length).toBe(classifier.io.numClasses);
    } finally {
      await classifier.close();
    }
    expect(existsSync(path.join(cacheDir, SESSION_CACHE_DIR))).toBe(false);
  });
});

/** Processes still running whose environment holds `mark` (Linux: /proc/PID/environ). */
async function processesMarked(mark: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '');
    if (environ.includes(`SKIPTAG_TEST_RUN_MARK=${mark}`)) found.push(Number(entry));
  }
  return found;
}
