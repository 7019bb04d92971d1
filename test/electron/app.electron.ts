// The desktop app under real Electron (test, via Playwright): drop a folder, wait for tags and thumbnails, export a CSV.
// Real parts throughout (main, sandboxed preload, service and worker processes, onnxruntime, sharp, SQLite, files);
// only native UI is stubbed, in main: the save dialog, "show in folder", error boxes. Run by `npm run test:electron`.
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REQUESTS, type ImageSummary } from '../../src-main/shared/contract.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'electron');
const FIXTURE_PHOTOS = path.join(ROOT, 'test', 'fixtures', 'photos');
/** What `electron-vite build` writes and main.ts loads; npm run test:electron builds it first. */
const BUILT = ['out/app/main.js', 'out/app/preload.cjs', 'out/app/service.js', 'out/renderer/index.html'];
/** The first start of the service and worker, and tagging, on a busy CI machine. */
const SLOW = { timeout: 150_000, interval: 250 };

/** What the stubs installed in main record (see stubNativeUi). */
type MainRecord = { revealed: string[]; errorBoxes: string[] };
type MainGlobals = { __skiptagTest?: MainRecord };

let tmp: string;
let photosDir: string;
/** File names of every photo in the dropped folder, sorted. */
let photoNames: string[];
/** Colour photo → the label the colour model gives it. */
let expectedColours: Map<string, string>;
let app: ElectronApplication;
let page: Page;
let log: WriteStream;
const pageProblems: string[] = [];
const failedLoads: string[] = [];

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/**
 * `window.skiptag.<method>(input)` in the page, as the renderer's stores call it. Issue 9 lets the preload answer
 * `{ ok: true, value } | { ok: false, error }` instead of throwing: both shapes are accepted.
 */
async function callApi(method: string, input: unknown): Promise<unknown> {
  const reply: unknown = await page.evaluate(
    async ([name, payload]) => {
      const api = (globalThis as unknown as { skiptag: Record<string, (input: unknown) => Promise<unknown>> })
        .skiptag;
      const call = api[name];
      if (typeof call !== 'function') throw new Error(`window.skiptag.${name} is not a function`);
      return call(payload);
    },
    [method, input] as const,
  );
  if (typeof reply === 'object' && reply !== null && 'ok' in reply) {
    if (reply.ok === true && 'value' in reply) return reply.value;
    if (reply.ok === false && 'error' in reply) {
      throw new Error(`window.skiptag.${method} failed: ${JSON.stringify(reply.error)}`);
    }
  }
  return reply;
}

async function allImages(): Promise<ImageSummary[]> {
  const reply = await callApi('queryImages', { filter: { review: 'all' }, offset: 0, limit: 100 });
  return REQUESTS['images:query'].output.parse(reply).items;
}

async function folderPaths(): Promise<string[]> {
  const reply = await callApi('listFolders', {});
  return REQUESTS['library:listFolders'].output.parse(reply).map((folder) => folder.path);
}

/** Names of the grid cells whose thumbnail came from app://thumb/ (or app://small/ on a 1× screen) and decoded, sorted. */
const LOADED_THUMBNAILS = `[...document.querySelectorAll('[role=gridcell]')]
  .filter((cell) => {
    const img = cell.querySelector('img');
    const fromApp = img !== null && (img.src.startsWith('app://thumb/') || img.src.startsWith('app://small/'));
    return fromApp && img.complete && img.naturalWidth > 0;
  })
  .map((cell) => cell.querySelector('.name')?.textContent?.trim() ?? '')
  .sort()`;

/**
 * Drags `paths` from "the desktop" onto the window and drops them: Chromium's DevTools protocol makes the same
 * drag events, with File objects backed by those paths, that a drop from a file manager does. The UI's drop
 * handler hands them to window.skiptag.addDroppedFiles, the preload turns them into paths with
 * webUtils.getPathForFile and sends them on 'library:addDroppedPaths' to main.
 */
async function dropOnWindow(paths: string[]): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const data = { items: [], files: paths, dragOperationsMask: 1 /* copy */ };
    const where = { x: 640, y: 400 };
    await cdp.send('Input.dispatchDragEvent', { type: 'dragEnter', ...where, data });
    await cdp.send('Input.dispatchDragEvent', { type: 'dragOver', ...where, data });
    await page.getByText('Drop folders or photos to add them').waitFor();
    await shot('02-drop-overlay');
    await cdp.send('Input.dispatchDragEvent', { type: 'drop', ...where, data });
  } finally {
    await cdp.detach();
  }
}

/**
 * Replaces main's save dialog (it answers `file`), "show in folder" and error boxes, which would block a
 * window-less CI run, with recorders. `dialog` and `shell` are the same objects main.js imported.
 */
async function stubNativeUi(file: string): Promise<void> {
  await app.evaluate(({ dialog, shell }, savePath) => {
    const record: MainRecord = { revealed: [], errorBoxes: [] };
    (globalThis as MainGlobals).__skiptagTest = record;
    const save = async () => ({ canceled: false, filePath: savePath });
    const errorBox = (title: string, content: string) => {
      record.errorBoxes.push(`${title}: ${content}`);
    };
    const reveal = (shown: string) => {
      record.revealed.push(shown);
    };
    dialog.showSaveDialog = save;
    dialog.showErrorBox = errorBox;
    shell.showItemInFolder = reveal;
    // A read-only property would ignore the assignment without a word: fail here instead of showing real UI.
    if (
      dialog.showSaveDialog !== save ||
      dialog.showErrorBox !== errorBox ||
      shell.showItemInFolder !== reveal
    ) {
      throw new Error(
        "could not replace main's dialog.showSaveDialog, dialog.showErrorBox or shell.showItemInFolder",
      );
    }
  }, file);
}

async function mainRecord(): Promise<MainRecord> {
  return app.evaluate(() => (globalThis as MainGlobals).__skiptagTest ?? { revealed: [], errorBoxes: [] });
}

beforeAll(async () => {
  const missing = BUILT.filter((file) => !existsSync(path.join(ROOT, file)));
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not built: run \`npm run test:electron\`, which builds the app first`,
    );
  }
  await mkdir(ARTIFACTS, { recursive: true });
  // Real paths (macOS's /var is /private/var): main resolves dropped paths the same way.
  tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'skiptag-electron-')));
  photosDir = path.join(tmp, 'photos');
  expectedColours = await writeColourPhotos(photosDir);
  for (const file of (await readdir(FIXTURE_PHOTOS)).filter((name) => name.endsWith('.jpg'))) {
    await copyFile(path.join(FIXTURE_PHOTOS, file), path.join(photosDir, file));
  }
  photoNames = (await readdir(photosDir)).sort();
  // The colour demo model (as `skiptag models synth colours` writes it): the one installed model.
  const modelPath = await writeColourModel(path.join(tmp, 'models'));

  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) env[name] = value;
  // Either would turn the app into something else: plain Node, or a window on electron-vite's dev server.
  delete env['ELECTRON_RUN_AS_NODE'];
  delete env['ELECTRON_RENDERER_URL'];
  Object.assign(env, {
    SKIPTAG_MODEL: modelPath,
    SKIPTAG_MODELS_DIR: path.dirname(modelPath),
    SKIPTAG_LIBRARY: path.join(tmp, 'library.db'),
    SKIPTAG_DATA_DIR: path.join(tmp, 'data'),
    // Linux: Electron's userData (and its single-instance lock) under tmp, so a Skiptag the developer has
    // open neither blocks this one nor sees it.
    XDG_CONFIG_HOME: path.join(tmp, 'config'),
  });

  log = createWriteStream(path.join(ARTIFACTS, 'electron.log'));
  // The package root, as `electron .` (npm start) runs it: package.json's main is out/app/main.js.
  app = await electron.launch({ args: [ROOT], cwd: ROOT, env, timeout: 120_000 });
  // Main's, the service's and the worker's output (they inherit main's stdio), for the CI artifact.
  app.process().stdout?.on('data', (chunk: Buffer) => log.write(chunk));
  app.process().stderr?.on('data', (chunk: Buffer) => log.write(chunk));
  await stubNativeUi(path.join(tmp, 'exports', 'skiptag-labels.csv'));
  await mkdir(path.join(tmp, 'exports'));

  page = await app.firstWindow({ timeout: 120_000 });
  page.on('console', (message) => {
    log.write(`[renderer ${message.type()}] ${message.text()}\n`);
    // Failed loads are reported with their URL below.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      pageProblems.push(message.text());
    }
  });
  page.on('pageerror', (error) => pageProblems.push(String(error)));
  page.on('response', (response) => {
    if (response.status() >= 400) failedLoads.push(`${response.status()} ${response.url()}`);
  });
});

// What the window showed when a step failed (a notice, an error), beside the log, for the CI artifact.
beforeEach(({ task, onTestFailed }) => {
  onTestFailed(async () => {
    if (page) await shot(`failed-${task.name.replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
  });
});

afterAll(async () => {
  await app?.close();
  await new Promise<void>((resolve) => (log ? log.end(resolve) : resolve()));
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the desktop app under Electron', () => {
  it('shows the UI from app:// with window.skiptag and no Node in the page', async () => {
    await page.getByRole('heading', { name: 'No photos yet' }).waitFor({ timeout: SLOW.timeout });
    expect(page.url()).toBe('app://app/index.html');
    const surface = await page.evaluate(`({
      api: Object.keys(window.skiptag).sort(),
      require: typeof require,
      process: typeof process,
    })`);
    expect(surface).toMatchObject({ require: 'undefined', process: 'undefined' });
    const api = (surface as { api: string[] }).api;
    expect(api).toEqual(expect.arrayContaining(['addDroppedFiles', 'queryImages', 'exportLabels']));
    // Paths reach main only from a drop or its own dialog.
    expect(api).not.toContain('addFolders');
    await shot('01-empty');
  });

  it('adds a folder dropped on the window through the preload and main', async () => {
    await dropOnWindow([photosDir]);
    await expect.poll(folderPaths, SLOW).toEqual([photosDir]);
    await expect
      .poll(async () => (await allImages()).map((image) => image.name).sort(), SLOW)
      .toEqual(photoNames);
  });

  it('tags every photo in the worker, with the colours the model knows', async () => {
    await expect
      .poll(
        async () =>
          (await allImages())
            .filter((image) => image.status !== 'ok' || image.tags.length === 0)
            .map((image) => `${image.name} (${image.status})`),
        SLOW,
      )
      .toEqual([]);
    const images = await allImages();
    for (const [file, colour] of expectedColours) {
      const image = images.find((candidate) => candidate.name === file);
      const best = image?.tags
        .filter((chip) => chip.source === 'auto')
        .sort((a, b) => (b.score ?? 0) - (a.score ?? 0))[0];
      expect(best?.tag, file).toBe(colour);
    }
  });

  it('shows a thumbnail from app://thumb/ for every photo in the grid', async () => {
    await expect.poll(() => page.evaluate<string[]>(LOADED_THUMBNAILS), SLOW).toEqual(photoNames);
    // And tag chips on every cell, once the grid has caught up with the library.
    await expect.poll(() => page.locator('[role=gridcell]:not(:has([data-tag]))').count(), SLOW).toBe(0);
    await shot('03-tagged');
  });

  it('exports a CSV through the Export dialog and main’s save dialog', async () => {
    const csvPath = path.join(tmp, 'exports', 'skiptag-labels.csv');
    await page.getByRole('navigation').getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export labels' });
    await dialog.getByLabel('CSV').check();
    await dialog.getByLabel(/One per photo \(wide\)/).check();
    await dialog.getByLabel(/All photos in the library/).check();
    await dialog.getByRole('button', { name: 'Export…' }).click();
    await dialog.getByText(csvPath).waitFor({ timeout: SLOW.timeout });
    expect(await dialog.textContent()).toContain(`Wrote ${photoNames.length} photos`);
    await shot('04-exported');
    await page.keyboard.press('Escape');
    expect((await mainRecord()).revealed).toEqual([csvPath]);

    const rows = parse(await readFile(csvPath, 'utf8'), { bom: true, columns: true }) as Array<
      Record<string, string>
    >;
    expect(rows.map((row) => row['path']).sort()).toEqual(
      photoNames.map((name) => path.join(photosDir, name)),
    );
    for (const row of rows) {
      expect(row['status'], row['path']).toBe('ok');
      expect(row['tags'], row['path']).not.toBe('');
      expect(row['model'], row['path']).toBe('colours.onnx');
    }
    for (const [file, colour] of expectedColours) {
      expect(rows.find((row) => row['path'] === path.join(photosDir, file))?.['label'], file).toBe(colour);
    }
  });

  it('showed no error box in main, and the page had no errors and no failed loads', async () => {
    expect((await mainRecord()).errorBoxes).toEqual([]);
    expect(pageProblems).toEqual([]);
    expect(failedLoads).toEqual([]);
  });
});
