// exiftool never outlives the process that started it (test): a worker killed while its RAW reader runs takes its perl process along.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDng } from '../../src-main/engine/synth/camera-files.js';
import { WorkerSupervisor } from '../../src-main/engine/worker/worker-supervisor.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { classifyAll, testModel, workItem } from '../support/worker-work.js';

let work: string;
let engine: WorkerSupervisor | undefined;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-exiftool-'));
});

afterAll(async () => {
  await engine?.close();
  await rm(work, { recursive: true, force: true });
});

/** The exiftool processes started by `pid` (its direct children running the exiftool script). */
function exiftoolChildren(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid), '-f', 'exiftool'], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(process.platform === 'win32')('the exiftool child process', () => {
  it('ends when the worker that started it is killed (a crash must not leave perl polling forever)', async () => {
    const model = await writeColourModel(path.join(work, 'model'));
    const sources = await writeColourPhotos(path.join(work, 'sources'));
    const [name] = [...sources.keys()];
    const jpeg = await sharp(await readFile(path.join(work, 'sources', name ?? '')))
      .jpeg()
      .toBuffer();
    const dng = path.join(work, 'photo.dng');
    await writeFile(dng, await makeDng(jpeg));

    engine = await WorkerSupervisor.start({ model: testModel(model), onLog: () => undefined });
    const { results } = await classifyAll(engine, [workItem(1, dng)]);
    expect(results.get(1)).toMatchObject({ status: 'ok', format: 'dng' });
    const worker = engine.pid ?? -1;
    const perl = exiftoolChildren(worker);
    expect(perl).toHaveLength(1);

    process.kill(worker, 'SIGKILL');
    // The watcher looks every 2 s; 60 s leaves room for a machine under load.
    await expect.poll(() => alive(perl[0] ?? -1), { timeout: 60_000, interval: 250 }).toBe(false);
  });
});
