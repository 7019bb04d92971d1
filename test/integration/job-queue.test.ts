// Job queue tests (test): ordering, pause/resume/cancel, and a real tagging job paused and resumed mid-way.
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobSnapshotSchema } from '../../src-main/shared/contract.js';
import { JobQueue, type JobSnapshot } from '../../src-main/engine/jobs/job-queue.js';
import { tagIntoLibrary, type LibraryTagOptions } from '../../src-main/engine/jobs/tag-into-library.js';
import { Library } from '../../src-main/engine/library/library.js';
import { DownloadError } from '../../src-main/engine/models/download.js';
import { identifyModel, ModelNotFoundError } from '../../src-main/engine/models/locate-model.js';
import { buildResNet } from '../../src-main/engine/synth/resnet.js';
import { WorkerSupervisor } from '../../src-main/engine/worker/worker-supervisor.js';
import { PHOTOS_DIR } from '../support/run-cli.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** tagIntoLibrary driven by a JobQueue, the way the service's TagJobs runs it: pausable, resumable, cancellable. */
function enqueueTagJob(
  queue: JobQueue,
  options: Omit<LibraryTagOptions, 'signal' | 'checkpoint' | 'onProgress'>,
): JobSnapshot {
  return queue.enqueue('tag', async (control) => {
    await tagIntoLibrary({
      ...options,
      signal: control.signal,
      checkpoint: control.checkpoint,
      onProgress: (p) =>
        control.report({ done: p.seen, total: p.total, failed: p.failed, current: p.current }),
    });
  });
}

describe('JobQueue', () => {
  it('runs jobs one at a time in order and reports progress with rate', async () => {
    const queue = new JobQueue();
    const order: string[] = [];
    const updates: JobSnapshot[] = [];
    queue.on('update', (s) => updates.push(s));
    const a = queue.enqueue('tag', async (control) => {
      order.push('a-start');
      control.report({ done: 0, total: 6, current: null });
      for (let i = 1; i <= 6; i++) {
        await sleep(60);
        control.report({ done: i, total: 6, current: `file ${i}` });
      }
      order.push('a-end');
    });
    const b = queue.enqueue('watch', async () => {
      order.push('b');
    });
    expect((await queue.settled(a.id)).state).toBe('done');
    expect((await queue.settled(b.id)).state).toBe('done');
    expect(order).toEqual(['a-start', 'a-end', 'b']);
    const last = updates.filter((u) => u.id === a.id && u.state === 'running').at(-1);
    expect(last?.progress).toMatchObject({ done: 6, total: 6, current: 'file 6' });
    expect(last?.progress.rate).toBeGreaterThan(0);
  });

  it('cancels queued and running jobs, and records failures', async () => {
    const queue = new JobQueue();
    const running = queue.enqueue('tag', async (control) => {
      while (!control.signal.aborted) await sleep(10);
    });
    const queued = queue.enqueue('watch', async () => {
      throw new Error('must not run');
    });
    const failing = queue.enqueue('xmp-write', async () => {
      throw new Error('disk full');
    });
    await sleep(30);
    expect(queue.cancel(queued.id)).toBe(true);
    expect(queue.cancel(running.id)).toBe(true);
    expect((await queue.settled(running.id)).state).toBe('cancelled');
    expect((await queue.settled(queued.id)).state).toBe('cancelled');
    const failed = await queue.settled(failing.id);
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'failed', message: 'disk full' } });
  });

  it('keeps the code of what failed a job, so the app can tell why without reading the message', async () => {
    const queue = new JobQueue();
    const failWith = (error: Error) =>
      queue.enqueue('tag', async () => {
        throw error;
      });
    const noModel = failWith(
      new ModelNotFoundError('No model found. Skiptag needs an ONNX image classifier.'),
    );
    const download = failWith(new DownloadError('checksum', 'SHA-256 mismatch', false));
    const busy = failWith(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
    expect(await queue.settled(noModel.id)).toMatchObject({
      kind: 'tag',
      state: 'failed',
      error: { code: 'model_not_found', message: 'No model found. Skiptag needs an ONNX image classifier.' },
    });
    expect((await queue.settled(download.id)).error).toEqual({
      code: 'download_failed',
      message: 'SHA-256 mismatch',
    });
    expect((await queue.settled(busy.id)).error).toMatchObject({ code: 'library_busy' });
    // Every snapshot, also one read later, matches the contract that carries it to the window.
    for (const job of queue.list()) jobSnapshotSchema.parse(job);
  });
});

describe('a tagging job with the real engine', () => {
  let work: string;
  let engine: WorkerSupervisor;
  let library: Library;
  let photos: string;
  let modelPath: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-jobs-'));
    photos = path.join(work, 'photos');
    await mkdir(photos);
    const sources = (await readdir(PHOTOS_DIR)).filter((f) => f.endsWith('.jpg'));
    for (let i = 0; i < 8; i++) {
      for (const s of sources) await copyFile(path.join(PHOTOS_DIR, s), path.join(photos, `${i}-${s}`));
    }
    modelPath = path.join(work, 'resnet18.onnx');
    await writeFile(modelPath, buildResNet('resnet18', { seed: 9 }));
    engine = await WorkerSupervisor.start({
      model: {
        modelPath,
        labelsPath: null,
        ep: 'cpu',
        threads: 2,
        batchSize: 2,
        topK: 5,
        threshold: 0,
        maxPixels: 200_000_000,
      },
    });
    library = Library.open(path.join(work, 'library.db'));
  });

  afterAll(async () => {
    await engine.close();
    library.close();
    await rm(work, { recursive: true, force: true });
  });

  it('pauses (no new work while paused), resumes and finishes', async () => {
    const queue = new JobQueue();
    const model = await identifyModel(modelPath);
    let classified = 0;
    // The engine as the job sees it, counting the photos handed to it: what "no new work" is measured by.
    let handed = 0;
    const counting = new Proxy(engine, {
      get(target, property) {
        if (property === 'classify') {
          return (...args: Parameters<WorkerSupervisor['classify']>) => {
            handed += args[0].length;
            return target.classify(...args);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const job = enqueueTagJob(queue, {
      library,
      engine: counting,
      model,
      inputs: [photos],
      chunkSize: 2,
      onResult: () => {
        classified += 1;
      },
    });
    while (classified < 4) await sleep(20);
    expect(queue.pause(job.id)).toBe(true);
    // Work already handed to the engine (at most two small chunks) finishes, however long that takes on a
    // busy machine; then nothing new is handed over, and nothing moves, for as long as it stays paused.
    while (classified < handed) await sleep(20);
    const whilePaused = classified;
    const handedWhilePaused = handed;
    await sleep(1500);
    expect(handed).toBe(handedWhilePaused);
    expect(classified).toBe(whilePaused);
    expect(whilePaused).toBeLessThan(56);
    expect(queue.get(job.id)?.state).toBe('paused');
    expect(queue.resume(job.id)).toBe(true);
    const end = await queue.settled(job.id);
    expect(end.state).toBe('done');
    expect(classified).toBe(56);
    expect(library.statusCounts().byStatus.ok).toBe(56);
  });
});
