// Decoding while the model opens (test): WorkerSupervisor.begin hands photos to a worker whose session is still opening; same results, crashes during the opening blamed on no photo.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rememberedModelIo, rememberModelIo } from '../../src-main/engine/classify/model-io-note.js';
import { SESSION_CACHE_DIR } from '../../src-main/engine/classify/session-cache.js';
import { buildResNet } from '../../src-main/engine/synth/resnet.js';
import { TEST_CRASH_MARKER_ENV } from '../../src-main/engine/worker/crash-injection.js';
import {
  forkLauncher,
  resolveWorkerEntry,
  type WorkerLauncher,
} from '../../src-main/engine/worker/worker-launcher.js';
import { WorkerSupervisor, type WorkItem } from '../../src-main/engine/worker/worker-supervisor.js';
import type { Prediction } from '../../src-main/shared/results.js';
import { writeColourPhotos } from '../support/colour-photos.js';
import { classifyAll, testModel, workItem } from '../support/worker-work.js';

let work: string;
let model: string;
let cacheDir: string;
let items: WorkItem[];
/** Predictions of every photo from a worker that opened the model first, the classic way. */
const reference = new Map<number, Prediction[]>();
const logs: string[] = [];
const quiet = { onLog: (_level: string, message: string) => void logs.push(message) };
const settings = () => ({ ...testModel(model), cacheDir });

/** The worker's messages in the order they reach the supervisor, by type. */
function recording(seen: string[], env?: NodeJS.ProcessEnv): Promise<WorkerLauncher> {
  return resolveWorkerEntry().then((entry) => {
    const inner = forkLauncher(entry, env);
    return {
      launch() {
        const launched = inner.launch();
        const transport = {
          ...launched.transport,
          send: launched.transport.send.bind(launched.transport),
          onClose: launched.transport.onClose.bind(launched.transport),
          close: launched.transport.close.bind(launched.transport),
          onMessage: (listener: Parameters<typeof launched.transport.onMessage>[0]) =>
            launched.transport.onMessage((message, ports) => {
              seen.push(String((message as { type?: unknown }).type));
              listener(message, ports);
            }),
        };
        return {
          get pid() {
            return launched.pid;
          },
          transport,
          kill: (signal: NodeJS.Signals) => launched.kill(signal),
          exited: launched.exited,
        };
      },
    };
  });
}

/** Drops onnxruntime's optimized copy (the notes stay): the next opening re-optimizes, well over a second. */
async function slowNextOpening(): Promise<void> {
  await rm(path.join(cacheDir, SESSION_CACHE_DIR), { recursive: true, force: true });
}

function topLabels(results: Map<number, { predictions: Prediction[] }>): Map<number, Prediction[]> {
  return new Map([...results].map(([id, r]) => [id, r.predictions]));
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-early-decode-'));
  cacheDir = path.join(work, 'cache');
  model = path.join(work, 'resnet18.onnx');
  await writeFile(model, buildResNet('resnet18', { seed: 11 }));
  const photos = path.join(work, 'photos');
  const names = [...(await writeColourPhotos(photos)).keys()];
  items = names.map((name, i) => workItem(i, path.join(photos, name)));
  // The classic start: the model opens, then photos are sent. It also notes the model's shapes.
  const engine = await WorkerSupervisor.start({ model: settings(), ...quiet });
  try {
    const { results } = await classifyAll(engine, items);
    for (const [id, predictions] of topLabels(results)) reference.set(id, predictions);
  } finally {
    await engine.close();
  }
  expect(rememberedModelIo(model, cacheDir)).toMatchObject({ height: 224, width: 224 });
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('decoding while the model opens', () => {
  it('decodes before the model is open when its shapes are noted, with the same results', async () => {
    await slowNextOpening();
    // A file that fails to decode before the model is open still gets its error, in its place.
    const broken = path.join(work, 'not-a-photo.jpg');
    await writeFile(broken, 'this is not a JPEG');
    const seen: string[] = [];
    const engine = await WorkerSupervisor.begin({
      model: settings(),
      launcher: await recording(seen),
      ...quiet,
    });
    try {
      const { results, crashed } = await classifyAll(engine, [workItem(50, broken), ...items]);
      expect(crashed).toEqual([]);
      expect(results.get(50)).toMatchObject({ status: 'error', errorCode: 'corrupt', provider: 'cpu' });
      results.delete(50);
      expect(topLabels(results)).toEqual(reference);
      // The first photo was on its way to the decoder before the worker reported the model open.
      expect(seen.indexOf('started')).toBeGreaterThan(-1);
      expect(seen.indexOf('started')).toBeLessThan(seen.indexOf('ready'));
    } finally {
      await engine.close();
    }
  });

  it('waits for the model when nothing is noted about it', async () => {
    await slowNextOpening();
    await rm(path.join(cacheDir, 'session-notes'), { recursive: true, force: true });
    const seen: string[] = [];
    const engine = await WorkerSupervisor.begin({
      model: settings(),
      launcher: await recording(seen),
      ...quiet,
    });
    try {
      const { results } = await classifyAll(engine, items);
      expect(topLabels(results)).toEqual(reference);
      expect(seen.indexOf('ready')).toBeGreaterThan(-1);
      expect(seen.indexOf('ready')).toBeLessThan(seen.indexOf('started'));
      // …and notes it for the next start.
      expect(rememberedModelIo(model, cacheDir)).toMatchObject({ height: 224, width: 224 });
    } finally {
      await engine.close();
    }
  });

  it('decodes again for the real input size when the note was wrong, and corrects the note', async () => {
    const noted = rememberedModelIo(model, cacheDir);
    if (!noted) throw new Error('no note');
    rememberModelIo(model, cacheDir, { ...noted, height: 300, width: 300 });
    await slowNextOpening();
    const engine = await WorkerSupervisor.begin({ model: settings(), ...quiet });
    try {
      const { results } = await classifyAll(engine, items);
      expect(topLabels(results)).toEqual(reference);
      expect(rememberedModelIo(model, cacheDir)).toMatchObject({ height: 224, width: 224 });
    } finally {
      await engine.close();
    }
  });

  it('blames no photo for a crash while the model opens, then finds the poison the classic way', async () => {
    const dir = path.join(work, 'crash');
    await mkdir(dir, { recursive: true });
    // A perfectly good photo, first in line: only the test-only fault injection makes it crash the decoder.
    const poison = path.join(dir, 'poison.jpg');
    const first = items[0];
    if (!first) throw new Error('no photos');
    await copyFile(first.display, poison);
    await slowNextOpening();
    logs.length = 0;
    const engine = await WorkerSupervisor.begin({
      model: settings(),
      ...quiet,
      launcher: await recording([], { ...process.env, [TEST_CRASH_MARKER_ENV]: 'poison' }),
    });
    try {
      const { results, crashed } = await classifyAll(engine, [workItem(99, poison), ...items]);
      expect(crashed).toEqual([99]);
      expect(results.get(99)).toMatchObject({ status: 'error', errorCode: 'internal' });
      results.delete(99);
      expect(topLabels(results)).toEqual(reference);
      // The first worker died opening the model with the poison in hand: it was started again, unblamed,
      // and the poison then crashed two workers that had the model open (blamed twice, given up).
      expect(logs.some((l) => l.includes('while opening the model with photos in flight'))).toBe(true);
      expect(engine.restarts).toBeGreaterThanOrEqual(3);
    } finally {
      await engine.close();
    }
  });

  it('fails the work it was given with the reason when the model cannot be opened', async () => {
    const broken = path.join(work, 'broken.onnx');
    await writeFile(broken, 'not an onnx model');
    const engine = await WorkerSupervisor.begin({ model: { ...settings(), modelPath: broken }, ...quiet });
    try {
      const work = engine.classify(items.slice(0, 2), () => undefined);
      await expect(work).rejects.toThrow(/broken\.onnx/);
      await expect(engine.opened).rejects.toThrow(/broken\.onnx/);
      // Later calls fail at once with the same reason, without another worker.
      await expect(engine.classify(items.slice(2, 3), () => undefined)).rejects.toThrow(/broken\.onnx/);
      expect(engine.restarts).toBe(0);
    } finally {
      await engine.close();
    }
  });
});
