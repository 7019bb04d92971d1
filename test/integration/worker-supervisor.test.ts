// Worker process tests (test): classification and renders through the supervisor, byte paths, crash recovery and isolation, start/close.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildColourModel } from '../../src-main/engine/synth/colour-model.js';
import { TEST_CRASH_MARKER_ENV } from '../../src-main/engine/worker/crash-injection.js';
import { WorkerSupervisor } from '../../src-main/engine/worker/worker-supervisor.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { classifyAll, testModel, workItem } from '../support/worker-work.js';
import { isProcessAlive } from '../../src-main/engine/process-alive.js';

let work: string;
let model: string;
let photos: string;
let expected: Map<string, string>;
let engine: WorkerSupervisor;
const logs: string[] = [];

const settings = testModel;

const quiet = { onLog: (_level: string, message: string) => void logs.push(message) };

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-engine-worker-'));
  model = await writeColourModel(path.join(work, 'model'));
  photos = path.join(work, 'photos');
  expected = await writeColourPhotos(photos);
  engine = await WorkerSupervisor.start({ model: settings(model), ...quiet });
});

afterAll(async () => {
  await engine.close();
  await rm(work, { recursive: true, force: true });
});

describe('WorkerSupervisor', () => {
  it('classifies every file in the child process with the right labels', async () => {
    expect(engine.pid).not.toBeNull();
    expect(engine.pid).not.toBe(process.pid);
    expect(engine.provider).toBe('cpu');
    expect(engine.ready).toMatchObject({ modelName: 'colours.onnx', numClasses: 13, inputSize: [224, 224] });
    const names = [...expected.keys()];
    const items = names.map((name, i) => workItem(100 + i, path.join(photos, name)));
    const { results, crashed } = await classifyAll(engine, items);
    expect(crashed).toEqual([]);
    expect(results.size).toBe(names.length);
    for (const [i, name] of names.entries()) {
      const r = results.get(100 + i);
      expect(r).toMatchObject({
        status: 'ok',
        path: path.join(photos, name),
        model: 'colours.onnx',
        provider: 'cpu',
      });
      expect(r?.predictions).toHaveLength(3);
      expect(r?.predictions[0]?.label).toBe(expected.get(name));
    }
  });

  it('reports per-file errors as results and serves concurrent calls', async () => {
    const corrupt = path.join(work, 'not-a-photo.jpg');
    await writeFile(corrupt, 'this is not a JPEG');
    const red = path.join(photos, 'red-photo.jpg');
    const [a, b] = await Promise.all([
      classifyAll(engine, [workItem(1, corrupt), workItem(2, red)]),
      classifyAll(engine, [workItem(3, path.join(photos, 'green-photo.png'))]),
    ]);
    expect(a.results.get(1)).toMatchObject({ status: 'error', errorCode: 'corrupt', predictions: [] });
    expect(a.results.get(2)?.predictions[0]?.label).toBe('red');
    expect(b.results.get(3)?.predictions[0]?.label).toBe('green');
    await expect(engine.classify([workItem(5, red), workItem(5, red)], () => undefined)).rejects.toThrow(
      /already/,
    );
  });

  it('reads a non-UTF-8 file name by its bytes end to end', async () => {
    const dir = path.join(work, 'odd');
    await mkdir(dir, { recursive: true });
    const bytes = Buffer.concat([Buffer.from(`${dir}/bl`), Buffer.from([0xff, 0xfe]), Buffer.from('.webp')]);
    await copyFile(path.join(photos, 'blue-photo.webp'), bytes);
    const display = bytes.toString('utf8');
    expect(display).toContain('\uFFFD');
    const { results } = await classifyAll(engine, [{ id: 9, path: bytes, display }]);
    expect(results.get(9)).toMatchObject({ status: 'ok', path: display });
    expect(results.get(9)?.predictions[0]?.label).toBe('blue');
  });

  it('restarts after a native crash, isolates the poison file and finishes every other file', async () => {
    const dir = path.join(work, 'crash');
    await mkdir(dir, { recursive: true });
    const names = [...expected.keys()];
    const good: { file: string; label: string }[] = [];
    for (let i = 0; i < 10; i++) {
      const name = names[i % names.length] ?? '';
      const file = path.join(dir, `${String(i).padStart(2, '0')}-${name}`);
      await copyFile(path.join(photos, name), file);
      good.push({ file, label: expected.get(name) ?? '' });
    }
    // A perfectly good photo: only the test-only fault injection makes it "crash" the decoder.
    const poison = path.join(dir, 'poison.jpg');
    await copyFile(path.join(photos, 'red-photo.jpg'), poison);
    const items = good.map((g, i) => workItem(i, g.file));
    items.splice(5, 0, workItem(99, poison));

    const supervisor = await WorkerSupervisor.start({
      model: settings(model),
      ...quiet,
      env: { ...process.env, [TEST_CRASH_MARKER_ENV]: 'poison' },
    });
    try {
      const firstPid = supervisor.pid;
      const { results, crashed } = await classifyAll(supervisor, items);
      expect(crashed).toEqual([99]);
      expect(results.size).toBe(11);
      for (const [i, g] of good.entries()) {
        expect(results.get(i)).toMatchObject({ status: 'ok', path: g.file });
        expect(results.get(i)?.predictions[0]?.label).toBe(g.label);
      }
      expect(results.get(99)).toMatchObject({
        status: 'error',
        errorCode: 'internal',
        path: poison,
        model: 'colours.onnx',
        predictions: [],
      });
      expect(results.get(99)?.errorMessage).toMatch(/crashed on this file twice \(SIGSEGV\)/);
      expect(supervisor.restarts).toBeGreaterThanOrEqual(2);
      expect(logs.some((line) => line.includes('SIGSEGV'))).toBe(true);
      expect(firstPid !== null && isProcessAlive(firstPid)).toBe(false);

      // The engine goes on: a later call works on the restarted child.
      const again = await classifyAll(supervisor, [workItem(1, good[0]?.file ?? '')]);
      expect(again.results.get(1)?.predictions[0]?.label).toBe(good[0]?.label);
    } finally {
      await supervisor.close();
    }
  });

  it('retries every file after a crash that no file can be blamed for, within a restart cap', async () => {
    const names = [...expected.keys()];
    const items = names.map((name, i) => workItem(i, path.join(photos, name)));
    const supervisor = await WorkerSupervisor.start({ model: settings(model), ...quiet, maxRestarts: 1 });
    try {
      // Killed (in the same tick, so before it can announce any file): nothing is blamed, all is sent again.
      process.kill(supervisor.pid ?? 0, 'SIGKILL');
      const pending = classifyAll(supervisor, items);
      const { results, crashed } = await pending;
      expect(crashed).toEqual([]);
      expect([...results.values()].every((r) => r.status === 'ok')).toBe(true);
      expect(supervisor.restarts).toBe(1);
    } finally {
      await supervisor.close();
    }

    // Past the cap the call fails instead of restarting forever.
    const capped = await WorkerSupervisor.start({ model: settings(model), ...quiet, maxRestarts: 0 });
    try {
      process.kill(capped.pid ?? 0, 'SIGKILL');
      const doomed = capped.classify(items, () => undefined);
      await expect(doomed).rejects.toThrow(/died 1 time with no file to blame \(SIGKILL\)/);
    } finally {
      await capped.close();
    }
  });

  it('rejects start() with the reason when the model cannot be loaded', async () => {
    const broken = path.join(work, 'broken', 'broken.onnx');
    await mkdir(path.dirname(broken), { recursive: true });
    await writeFile(broken, 'not an onnx model');
    await expect(WorkerSupervisor.start({ model: settings(broken), ...quiet })).rejects.toThrow(
      /cannot load model/,
    );

    // Loads, but 13 classes and no labels anywhere.
    const unlabelled = path.join(work, 'unlabelled', 'colours.onnx');
    await mkdir(path.dirname(unlabelled), { recursive: true });
    await writeFile(unlabelled, buildColourModel().bytes);
    await expect(WorkerSupervisor.start({ model: settings(unlabelled), ...quiet })).rejects.toThrow(
      /13 classes and no labels/,
    );

    await expect(
      WorkerSupervisor.start({ model: { ...settings(model), topK: 0 }, ...quiet }),
    ).rejects.toThrow(/topK/);
  });

  it('close() shuts the child down and refuses later work', async () => {
    const supervisor = await WorkerSupervisor.start({ model: settings(model), ...quiet });
    const pid = supervisor.pid;
    expect(pid !== null && isProcessAlive(pid)).toBe(true);
    const running = expect(
      supervisor.classify([workItem(1, path.join(photos, 'red-photo.jpg'))], () => undefined),
    ).rejects.toThrow(/closed/);
    await supervisor.close();
    await running;
    expect(pid !== null && isProcessAlive(pid)).toBe(false);
    await expect(
      supervisor.classify([workItem(1, path.join(photos, 'red-photo.jpg'))], () => undefined),
    ).rejects.toThrow(/closed/);
  });
});

describe('WorkerSupervisor tasks (renders and pixel checks, no model)', () => {
  const render = (file: string, size = 64) =>
    ({ kind: 'render', path: Buffer.from(file), size, maxPixels: 200_000_000 }) as const;

  it('renders thumbnails and hashes pixels in the worker; a bad file is a FileError with its code', async () => {
    const worker = await WorkerSupervisor.start({ model: null, ...quiet });
    try {
      expect(worker.pid).not.toBe(process.pid);
      const value = await worker.task(render(path.join(photos, 'yellow-photo.jpg')));
      expect(value.kind).toBe('render');
      const meta = await sharp(value.kind === 'render' ? value.jpeg : undefined).metadata();
      expect(meta.format).toBe('jpeg');
      expect(Math.max(meta.width, meta.height)).toBe(64);

      const corrupt = path.join(work, 'corrupt-render.jpg');
      await writeFile(corrupt, 'not a jpeg at all');
      await expect(worker.task(render(corrupt))).rejects.toMatchObject({
        name: 'FileError',
        code: 'corrupt',
      });

      // The same pixels under other metadata hash the same; other pixels do not.
      const red = path.join(photos, 'red-photo.jpg');
      const copy = path.join(work, 'red-copy.jpg');
      await sharp(red)
        .withMetadata({ exif: { IFD0: { Artist: 'someone' } } })
        .toFile(copy);
      const hash = async (file: string) => {
        const v = await worker.task({ kind: 'pixel-hash', path: file, maxPixels: 200_000_000 });
        return v.kind === 'pixel-hash' ? v.hash : '';
      };
      const [a, b, c] = await Promise.all([hash(red), hash(red), hash(path.join(photos, 'blue-photo.webp'))]);
      expect(a).toMatch(/^[0-9a-f]{64}$/);
      expect(b).toBe(a);
      expect(c).not.toBe(a);
      await expect(worker.classify([workItem(1, red)], () => undefined)).rejects.toThrow(/no model/);
    } finally {
      await worker.close();
    }
  });

  it('a render that crashes the worker fails alone after two tries; the renders beside it succeed', async () => {
    const dir = path.join(work, 'render-crash');
    await mkdir(dir, { recursive: true });
    const poison = path.join(dir, 'poison.jpg');
    await copyFile(path.join(photos, 'red-photo.jpg'), poison);
    const names = [...expected.keys()];
    const worker = await WorkerSupervisor.start({
      model: null,
      ...quiet,
      env: { ...process.env, [TEST_CRASH_MARKER_ENV]: 'poison' },
    });
    try {
      const firstPid = worker.pid;
      const good = names.map((name) => worker.task(render(path.join(photos, name))));
      const bad = worker.task(render(poison));
      const more = names.map((name) => worker.task(render(path.join(photos, name), 32)));
      await expect(bad).rejects.toMatchObject({
        code: 'internal',
        message: expect.stringMatching(/crashed on this file twice \(SIGSEGV\)/) as unknown,
      });
      for (const value of await Promise.all([...good, ...more])) expect(value.kind).toBe('render');
      expect(worker.restarts).toBeGreaterThanOrEqual(2);
      expect(firstPid !== null && isProcessAlive(firstPid)).toBe(false);
    } finally {
      await worker.close();
    }
  });
});
