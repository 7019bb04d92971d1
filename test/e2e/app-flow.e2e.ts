// End-to-end app flow (test): drop a folder, see thumbnails then tags, filter by tag and band, accept, undo, write
// XMP sidecars, export, check the providers.
// The built renderer runs in Chromium against the test bridge: real AppService, engine child, SQLite and files.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import Database from 'libsql';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDng, makeHeic } from '../../src-main/engine/synth/camera-files.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { startBridge, type Bridge } from './bridge/bridge-server.js';
import { CHROMIUM } from './run-e2e.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'e2e');
const REAL_PHOTOS = ['dog.jpg', 'kite.jpg', 'scream.jpg'];
/** More reds than the colour set's one, so the band filter and the bulk accept act on several photos. */
const EXTRA_REDS: Array<[file: string, rgb: [number, number, number]]> = [
  ['cherry.png', [175, 15, 30]],
  ['poppy.jpg', [225, 40, 30]],
];
/** A phone's HEIC (made by heif-enc) and a camera RAW (a DNG with its JPEG preview): thumbnails and tags too. */
const CAMERA_FILES: Array<[file: string, colour: string, rgb: [number, number, number]]> = [
  ['IMG_1001.HEIC', 'blue', [35, 60, 190]],
  ['DSC_2002.DNG', 'green', [40, 160, 60]],
];
/** Not an image at all: the engine reports it, the UI lists it. */
const BROKEN = 'broken.jpg';
const TOTAL = 6 + REAL_PHOTOS.length + EXTRA_REDS.length + CAMERA_FILES.length + 1;
/** Long enough for the engine child to start and tag a few photos on a busy two-core machine. */
const SLOW = { timeout: 90_000, interval: 200 };

/** The bridge shim's stand-ins for Electron's file paths and save dialog. */
type TestGlobals = { __skiptagTestDropPaths?: string[]; __skiptagTestExportPath?: string };

let tmp: string;
let photosDir: string;
let expectedColours: Map<string, string>;
let bridge: Bridge;
let browser: Browser;
let page: Page;
const pageProblems: string[] = [];
const failedLoads: string[] = [];
/** Names the tag filter must show: photos whose "red" tag scores at least 0.5, per the service itself. */
let redNames: string[];
/** The models folder as it was: the test points it at its own model. */
const savedModelsDir = process.env.SKIPTAG_MODELS_DIR;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}

/** File names in the grid, sorted. */
function gridNames(): Promise<string[]> {
  return page.evaluate(
    `[...document.querySelectorAll('[role=gridcell] .name')].map((e) => e.textContent.trim()).sort()`,
  );
}

function chipCount(tag: string, state: string): Promise<number> {
  return page.locator(`[role=gridcell] [data-tag="${tag}"][data-state="${state}"]`).count();
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'skiptag-e2e-'));
  photosDir = path.join(tmp, 'photos');
  expectedColours = await writeColourPhotos(photosDir);
  for (const file of REAL_PHOTOS) {
    await copyFile(path.join(ROOT, 'test', 'fixtures', 'photos', file), path.join(photosDir, file));
  }
  for (const [file, [r, g, b]] of EXTRA_REDS) {
    await sharp({ create: { width: 320, height: 240, channels: 3, background: { r, g, b } } }).toFile(
      path.join(photosDir, file),
    );
  }
  for (const [file, , [r, g, b]] of CAMERA_FILES) {
    const image = await sharp({ create: { width: 480, height: 320, channels: 3, background: { r, g, b } } })
      .jpeg({ quality: 92 })
      .toBuffer();
    await writeFile(
      path.join(photosDir, file),
      file.endsWith('.HEIC') ? await makeHeic(image) : await makeDng(image, { orientation: 8 }),
    );
    // The camera's JPEG beside the RAW: one photo with it (no cell of its own), shown as "+JPG".
    if (file.endsWith('.DNG')) await writeFile(path.join(photosDir, file.replace('.DNG', '.JPG')), image);
  }
  await writeFile(path.join(photosDir, BROKEN), 'this is not a JPEG');
  const modelPath = await writeColourModel(path.join(tmp, 'model'));
  // The colour model is the one installed model (models:list, the settings' picker), whatever this machine holds.
  process.env.SKIPTAG_MODELS_DIR = path.dirname(modelPath);
  bridge = await startBridge({
    port: 0,
    dataDir: path.join(tmp, 'data'),
    libraryFile: path.join(tmp, 'library.db'),
    modelPath,
    rendererDir: path.join(ROOT, 'out', 'renderer'),
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
  // Report every CSP violation as a console error, which the listener below collects.
  await context.addInitScript(
    `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))`,
  );
  page = await context.newPage();
  // CSP violations, uncaught errors and failed requests surface here: the page must have none.
  page.on('console', (message) => {
    // Failed loads are reported with their URL below.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      pageProblems.push(message.text());
    }
  });
  page.on('pageerror', (error) => pageProblems.push(String(error)));
  page.on('response', (response) => {
    if (response.status() >= 400)
      failedLoads.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  await mkdir(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  if (savedModelsDir === undefined) delete process.env.SKIPTAG_MODELS_DIR;
  else process.env.SKIPTAG_MODELS_DIR = savedModelsDir;
});

describe('the desktop UI against the real app service', () => {
  it('is built with the strict CSP and no inline script or style', async () => {
    const html = await readFile(path.join(ROOT, 'out', 'renderer', 'index.html'), 'utf8');
    expect(html).toContain(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' app: http://127.0.0.1:*; " +
        "connect-src 'self'; base-uri 'none'; form-action 'none'",
    );
    expect(html).not.toMatch(/unsafe-(inline|eval)/);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
    expect(html).toMatch(/<link rel="stylesheet"[^>]*href="\.\/assets\/[^"]+\.css"/);
  });

  it('starts with an empty library that invites a drop', async () => {
    await page.goto(bridge.url);
    await page.getByRole('heading', { name: 'No photos yet' }).waitFor();
    // A model is installed: no first-run download offer.
    await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).waitFor();
    expect(await page.getByRole('region', { name: 'Skiptag needs an image model' }).count()).toBe(0);
    await shot('01-empty');
  });

  it('takes a folder dropped anywhere on the window: feedback at once, thumbnails, then tag chips', async () => {
    await page.evaluate((dir) => {
      (globalThis as TestGlobals).__skiptagTestDropPaths = [dir];
    }, photosDir);
    // A real DragEvent with a real DataTransfer holding a File, dispatched on an element away from the grid.
    await page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['folder'], 'photos'));
      window.__testDrop = dt;
      const target = document.querySelector('main');
      for (const type of ['dragenter', 'dragover'])
        target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    })()`);
    await page.getByText('Drop folders or photos to add them').waitFor();
    await shot('02-drop-overlay');
    await page.evaluate(`document.querySelector('main').dispatchEvent(
      new DragEvent('drop', { dataTransfer: window.__testDrop, bubbles: true, cancelable: true }))`);

    await expect.poll(() => page.getByRole('gridcell').count(), SLOW).toBe(TOTAL);
    await expect
      .poll(
        () =>
          page.evaluate(
            `[...document.querySelectorAll('[role=gridcell] img')].filter((i) => i.complete && i.naturalWidth > 0).length`,
          ),
        SLOW,
      )
      .toBe(TOTAL - 1);
    await shot('03-thumbnails');
    // Chips stream in as the engine classifies: wait until every photo but the broken one has some.
    await expect
      .poll(() => page.locator('[role=gridcell]:not(:has([data-tag]))').allTextContents(), SLOW)
      .toEqual([expect.stringContaining(BROKEN)]);
    await expect
      .poll(() => page.getByRole('region', { name: 'Tagging progress' }).textContent(), SLOW)
      .toMatch(/Finished/);
    await shot('04-tagged');
    for (const [file, colour] of expectedColours) {
      const firstChip = page.getByRole('gridcell').filter({ hasText: file }).locator('[data-tag]').first();
      expect(await firstChip.getAttribute('data-tag'), file).toBe(colour);
      expect(await firstChip.getAttribute('data-state')).toBe('suggested');
    }
    // HEIC and RAW: a real thumbnail (the RAW's turned upright by its orientation 8) and the colour's tag.
    for (const [file, colour] of CAMERA_FILES) {
      const cell = page.getByRole('gridcell').filter({ hasText: file });
      expect(await cell.locator('[data-tag]').first().getAttribute('data-tag'), file).toBe(colour);
      const size = await cell.locator('img').evaluate((node) => {
        const img = node as unknown as { complete: boolean; naturalWidth: number; naturalHeight: number };
        return [img.complete, img.naturalWidth, img.naturalHeight];
      });
      // The grid asks for the 176 px rendition where that covers the cell, else the 256 px one (3:2 photos).
      const [complete, width = 0, height = 0] = size as [boolean, number, number];
      expect(complete, file).toBe(true);
      const [long, short] = file.endsWith('.DNG') ? [height, width] : [width, height];
      expect([176, 256], file).toContain(long);
      expect(Math.abs(short - long / 1.5), file).toBeLessThanOrEqual(1);
    }
    const pair = page.getByRole('gridcell').filter({ hasText: 'DSC_2002.DNG' });
    expect(await pair.locator('.name-line').textContent()).toMatch(/DSC_2002\.DNG\s+\+JPG/);
    expect(await page.getByRole('gridcell').filter({ hasText: 'DSC_2002.JPG' }).count()).toBe(0);
  });

  it('filters by a tag and a confidence band: only matching photos stay', async () => {
    const all = await bridge.service.handle('images:query', {
      filter: { review: 'all' },
      offset: 0,
      limit: 100,
    });
    redNames = all.items
      .filter((img) =>
        img.tags.some((t) => t.tag === 'red' && t.state !== 'rejected' && (t.score ?? 1) >= 0.5),
      )
      .map((img) => img.name)
      .sort();
    expect(redNames).toContain('red-photo.jpg');
    expect(redNames.length).toBeLessThan(all.items.length);

    await page.getByRole('combobox', { name: 'Tag', exact: true }).fill('red');
    // The band fields are enabled once the tag filter applies; fill waits for that.
    await page.getByRole('spinbutton', { name: /Minimum confidence/ }).fill('50');
    await page.getByRole('spinbutton', { name: /Maximum confidence/ }).fill('100');
    await page.getByRole('spinbutton', { name: /Maximum confidence/ }).press('Tab');
    await expect.poll(gridNames, SLOW).toEqual(redNames);
    await shot('05-filtered-red-50-100');
  });

  it('selects all and accepts in bulk; the chips show accepted; Ctrl+Z and Ctrl+Shift+Z undo and redo', async () => {
    const n = redNames.length;
    await page.getByRole('button', { name: 'Select all' }).click();
    await page.getByText(`${n} ${n === 1 ? 'photo' : 'photos'} selected`).waitFor();
    await page.getByRole('button', { name: 'Accept “red”' }).click();
    await expect.poll(() => chipCount('red', 'accepted'), SLOW).toBe(n);
    await shot('06-accepted');

    await page.getByRole('grid', { name: 'Photos' }).focus();
    await page.keyboard.press('Control+z');
    await expect.poll(() => chipCount('red', 'suggested'), SLOW).toBe(n);
    expect(await chipCount('red', 'accepted')).toBe(0);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => chipCount('red', 'accepted'), SLOW).toBe(n);
  });

  it('writes the selection’s tags into XMP sidecars beside the photos, which stay untouched', async () => {
    const n = redNames.length;
    await page.getByText(`${n} ${n === 1 ? 'photo' : 'photos'} selected`).waitFor();
    const photoBefore = await readFile(path.join(photosDir, 'red-photo.jpg'));
    await page.getByRole('button', { name: 'Write tags to files…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Write tags to files' });
    await dialog.getByText('photo.jpg.xmp').waitFor();
    await shot('06b-write-tags-dialog');
    await dialog.getByRole('button', { name: 'Write tags' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    const bar = page.getByRole('region', { name: 'Writing tags progress' });
    await expect.poll(() => bar.textContent(), SLOW).toMatch(/Tags written to files/);
    expect(await bar.textContent()).toContain(`${n} / ${n}`);
    await shot('06c-tags-written');
    await bar.getByRole('button', { name: 'Dismiss' }).click();

    for (const name of redNames) {
      const xmp = await readFile(path.join(photosDir, `${name}.xmp`), 'utf8');
      // dc:subject holds the accepted tag as a keyword.
      expect(xmp, name).toMatch(/<rdf:li>red<\/rdf:li>/);
    }
    const unselected = [...expectedColours.keys()].filter((name) => !redNames.includes(name));
    expect(unselected.length).toBeGreaterThan(0);
    for (const name of unselected) {
      await expect(readFile(path.join(photosDir, `${name}.xmp`)), name).rejects.toThrow(/ENOENT/);
    }
    expect((await readFile(path.join(photosDir, 'red-photo.jpg'))).equals(photoBefore)).toBe(true);
  });

  it('opens a photo in the detail panel with its predictions and file facts', async () => {
    await page.getByRole('gridcell').filter({ hasText: 'red-photo.jpg' }).dblclick();
    const panel = page.getByRole('complementary', { name: 'Photo details' });
    await panel.getByRole('heading', { name: 'red-photo.jpg' }).waitFor();
    await expect.poll(() => panel.locator('meter').count(), SLOW).toBeGreaterThan(1);
    expect(await panel.getByRole('region', { name: 'Tags' }).textContent()).toContain('red');
    await expect
      .poll(() =>
        panel.locator('.preview img').evaluate((img) => (img as { naturalWidth: number }).naturalWidth),
      )
      .toBeGreaterThan(0);
    await shot('07-detail');
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.count()).toBe(0);
  });

  it('lists the file that failed, with its error code, and shows the error in the detail panel', async () => {
    const errors = page.getByRole('navigation').getByText('1 photo failed');
    await errors.waitFor(SLOW);
    await errors.click();
    await page.getByRole('navigation').getByRole('button', { name: BROKEN }).click();
    const panel = page.getByRole('complementary', { name: 'Photo details' });
    await panel.getByRole('heading', { name: BROKEN }).waitFor();
    await expect.poll(() => panel.getByRole('alert').textContent(), SLOW).toContain('corrupt');
    await shot('08-error-detail');
    await page.keyboard.press('Escape');
  });

  it('exports the filtered photos to CSV (with BOM) and the file holds the accepted tag', async () => {
    const exportPath = path.join(tmp, 'exports', 'labels.csv');
    await mkdir(path.dirname(exportPath), { recursive: true });
    await page.evaluate((file) => {
      (globalThis as TestGlobals).__skiptagTestExportPath = file;
    }, exportPath);
    await page.getByRole('navigation').getByRole('button', { name: 'Export…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export labels' });
    await dialog.getByLabel('CSV').check();
    await dialog.getByLabel(/One per photo \(wide\)/).check();
    await dialog.getByLabel(/Current filter/).check();
    await dialog.getByLabel(/Byte order mark/).check();
    await dialog.getByRole('button', { name: 'Export…' }).click();
    await dialog.getByText(exportPath).waitFor(SLOW);
    expect(await dialog.textContent()).toContain(`Wrote ${redNames.length}`);
    await shot('09-exported');
    await page.keyboard.press('Escape');

    const csv = await readFile(exportPath, 'utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const rows = parse(csv, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => path.basename(r.path ?? '')).sort()).toEqual(redNames);
    for (const row of rows) expect((row.accepted_tags ?? '').split(';')).toContain('red');
  });

  it('lists the installed model and checks the providers in the settings', async () => {
    await page.getByRole('navigation').getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const picker = dialog.getByLabel('Model for tagging');
    await expect.poll(() => picker.locator('option').allTextContents(), SLOW).toContain('colours (imported)');
    await shot('09b-settings');
    await dialog.getByRole('button', { name: 'Check providers' }).click();
    const cpu = dialog.locator('[data-provider="cpu"]');
    await expect.poll(() => cpu.textContent(), SLOW).toMatch(/Works: [\d.]+ images\/s/);
    // The installed model, timed on the CPU.
    expect(await dialog.locator('[data-model-speed="colours cpu"]').textContent()).toMatch(
      /[\d.]+ photos\/s/,
    );
    expect(await dialog.textContent()).toContain(path.join(tmp, 'model'));
    await dialog.getByRole('button', { name: 'Check providers' }).scrollIntoViewIfNeeded();
    await shot('09c-settings-providers');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.count()).toBe(0);
  });

  it('follows the dark colour scheme, and nothing broke the CSP or threw', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await expect.poll(() => page.getByRole('gridcell').count(), SLOW).toBe(TOTAL);
    await page.getByRole('gridcell').first().click();
    await shot('10-dark');
    expect(pageProblems).toEqual([]);
    // The one picture that cannot exist: the broken file's thumbnail, asked for while it was still pending
    // (the grid asks for the small one on a 1× screen).
    const all = await bridge.service.handle('images:query', {
      filter: { review: 'all' },
      offset: 0,
      limit: 100,
    });
    const broken = all.items.find((img) => img.name === BROKEN);
    expect(broken?.status).toBe('error');
    expect(new Set(failedLoads)).toEqual(new Set(failedLoads.length ? [`404 /small/${broken?.id}`] : []));
  });

  it('fills the grid with the photos like one photo (More like this), then shows all again', async () => {
    await page.getByRole('gridcell').filter({ hasText: 'red-photo.jpg' }).dblclick();
    const panel = page.getByRole('complementary', { name: 'Photo details' });
    await panel.getByRole('heading', { name: 'red-photo.jpg' }).waitFor();
    await panel.getByRole('button', { name: 'More like this' }).click();
    const banner = page.locator('.list-banner');
    await expect.poll(() => banner.textContent(), SLOW).toContain('Photos like red-photo.jpg');
    // The photo itself first, then every photo with features (all but the broken file), nearest first.
    await expect
      .poll(() => page.getByRole('gridcell').first().textContent(), SLOW)
      .toContain('red-photo.jpg');
    await expect.poll(() => page.getByRole('gridcell').count(), SLOW).toBe(TOTAL - 1);
    await shot('10b-more-like-this');
    await banner.getByRole('button', { name: 'Show all photos' }).click();
    await expect.poll(() => page.getByRole('gridcell').count(), SLOW).toBe(TOTAL);
    expect(pageProblems).toEqual([]);
  });

  it('says to try again when another program holds the library: the error code reaches the window', async () => {
    // Another connection takes the write lock, as a second Skiptag or an sqlite3 shell could; the service's
    // write waits out its busy timeout, then fails with SQLITE_BUSY, which the window gets as library_busy.
    const other = new Database(path.join(tmp, 'library.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      await page.getByRole('button', { name: 'Select all' }).click();
      await page.getByRole('grid', { name: 'Photos' }).focus();
      await page.keyboard.press('a');
      const notice = page.locator('.notice.error[data-code="library_busy"]');
      await notice.waitFor(SLOW);
      expect((await notice.textContent())?.trim()).toMatch(
        /^Accept top suggestion on \d+ photos: the library is busy: another program is writing to it .*\(try again in a moment\)$/,
      );
      await shot('11-library-busy');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });
});
