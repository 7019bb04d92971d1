// `skiptag watch` (test): catch-up at start, photos tagged as they arrive (after the copy finishes), export alongside.
import { copyFile, mkdir, mkdtemp, open, readFile, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { runCli, startCli, type CliRun } from '../support/run-cli.js';

let work: string;
let model: string;
let source: string;
let watched: string;
let library: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-watch-'));
  model = await writeColourModel(path.join(work, 'model'));
  source = path.join(work, 'source');
  await writeColourPhotos(source);
  watched = path.join(work, 'watched');
  await mkdir(watched, { recursive: true });
  await copyFile(path.join(source, 'red-photo.jpg'), path.join(watched, 'already-there.jpg'));
  library = path.join(work, 'library.db');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Polls until `text()` matches `pattern` (output may already be there when we start looking). */
async function until(text: () => string, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(text())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; got: ${text()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Copies a file in small chunks with pauses, like a slow card reader or network copy. */
async function slowCopy(from: string, to: string, chunks: number, pauseMs: number): Promise<void> {
  const data = await readFile(from);
  const handle = await open(to, 'w');
  try {
    const size = Math.ceil(data.length / chunks);
    for (let i = 0; i < data.length; i += size) {
      await handle.write(data.subarray(i, i + size));
      await new Promise((r) => setTimeout(r, pauseMs));
    }
  } finally {
    await handle.close();
  }
}

describe('skiptag watch', () => {
  it('tags what is there, then new photos once fully copied, while export works beside it; stops on SIGTERM', async () => {
    const { child, done } = startCli(['watch', watched, '--model', model, '--library', library]);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await until(() => stderr, /watching /);
    expect(stdout).toMatch(/already-there\.jpg\tred /);

    // Written slowly (about 2.5 s): it must be classified once, complete, not half-written.
    const arriving = path.join(watched, 'arriving.png');
    await slowCopy(path.join(source, 'green-photo.png'), arriving, 10, 250);
    await until(() => stdout, /arriving\.png\t\w+/, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(stdout).toMatch(/arriving\.png\tgreen /);
    expect(stdout.match(/arriving\.png\t/g)).toHaveLength(1);

    // A second process reads the library while watch holds it open.
    const csv = path.join(work, 'during-watch.csv');
    const exported = await runCli(['export', '--library', library, '--csv', csv]);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = parse(await readFile(csv, 'utf8'), { columns: true, bom: true }) as Record<string, string>[];
    expect(rows.map((r) => path.basename(r.path ?? '')).sort()).toEqual([
      'already-there.jpg',
      'arriving.png',
    ]);

    await unlink(path.join(watched, 'already-there.jpg'));
    await until(() => stdout, /already-there\.jpg\tmissing/, 20_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\nstderr: ${stderr}`);
    });

    child.kill('SIGTERM');
    const run: CliRun = await done;
    expect(run.code).toBe(0);
  });

  it('catches up at start-up with what changed while it was not running', async () => {
    await copyFile(path.join(source, 'blue-photo.webp'), path.join(watched, 'while-away.webp'));
    const { child, done } = startCli(['watch', '--model', model, '--library', library]);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await until(() => stderr, /watching /);
    expect(stdout).toMatch(/while-away\.webp\tblue /);
    expect(stdout).not.toMatch(/arriving\.png/);
    child.kill('SIGINT');
    expect((await done).code).toBe(0);
  });
});
