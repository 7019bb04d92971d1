// End-to-end first run without a model (test): a dropped folder waits and says so, an offline download is explained
// in words, the offline demo model tags the waiting folder by itself and is marked as a demo. At 900×600.
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type Bridge } from './bridge/bridge-server.js';
import {
  axeViolations,
  cutOffOrCovered,
  launchChromium,
  ROOT,
  screenshot,
  SLOW,
  type TestGlobals,
  watchedPage,
} from './page-checks.js';
import { SAMPLE_PHOTOS } from './seed-library.js';

let tmp: string;
let photosDir: string;
let bridge: Bridge;
let browser: Browser;
let page: Page;
let problems: string[];
const saved = {
  dir: process.env.SKIPTAG_MODELS_DIR,
  mirror: process.env.SKIPTAG_MODEL_MIRROR,
};

function restore(name: 'SKIPTAG_MODELS_DIR' | 'SKIPTAG_MODEL_MIRROR', value: string | undefined): void {
  if (value !== undefined) process.env[name] = value;
  else if (name === 'SKIPTAG_MODELS_DIR') delete process.env.SKIPTAG_MODELS_DIR;
  else delete process.env.SKIPTAG_MODEL_MIRROR;
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'skiptag-e2e-first-run-'));
  photosDir = path.join(tmp, 'photos');
  await mkdir(photosDir);
  for (const file of await readdir(SAMPLE_PHOTOS)) {
    if (file.endsWith('.jpg')) await copyFile(path.join(SAMPLE_PHOTOS, file), path.join(photosDir, file));
  }
  // No model anywhere, and downloads fail as they do without a network (the name cannot resolve).
  process.env.SKIPTAG_MODELS_DIR = path.join(tmp, 'models');
  process.env.SKIPTAG_MODEL_MIRROR = 'http://skiptag-offline.invalid/zoo/';
  bridge = await startBridge({
    port: 0,
    dataDir: path.join(tmp, 'data'),
    libraryFile: path.join(tmp, 'library.db'),
    modelPath: null,
    rendererDir: path.join(ROOT, 'out', 'renderer'),
  });
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 900, height: 600 }, colorScheme: 'light' });
  ({ page, problems } = await watchedPage(context));
});

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  restore('SKIPTAG_MODELS_DIR', saved.dir);
  restore('SKIPTAG_MODEL_MIRROR', saved.mirror);
});

describe('the first run without a model, offline', () => {
  it('offers the download with its size, the offline demo and other models', async () => {
    await page.goto(bridge.url);
    const panel = page.getByRole('region', { name: 'Skiptag needs an image model' });
    await panel.waitFor(SLOW);
    expect(await panel.textContent()).toMatch(
      /Download the recommended .+ \(\d+ MB, [\d.]+% ImageNet accuracy\)\?/,
    );
    await panel.getByRole('button', { name: 'Use the offline demo model' }).waitFor();
    await page.getByRole('heading', { name: 'No photos yet' }).waitFor();
    // Before anything is downloaded, the offered network is timed on this computer by the real engine.
    await expect
      .poll(() => panel.getByTestId('speed-here').textContent(), SLOW)
      .toMatch(/On this computer it tags about [\d.]+ photos\/s on the processor/);
  });

  it('queues a folder dropped without a model and says so, never "No photos yet" meanwhile', async () => {
    // Watch for the empty-library message from the moment of the drop.
    await page.evaluate(`(() => {
      window.__sawNoPhotos = false;
      new MutationObserver(() => {
        if (document.body.textContent.includes('No photos yet')) window.__sawNoPhotos = true;
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    await page.evaluate((dir) => {
      (globalThis as TestGlobals).__skiptagTestDropPaths = [dir];
    }, photosDir);
    await page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['folder'], 'photos'));
      const target = document.querySelector('main');
      for (const type of ['dragenter', 'dragover', 'drop'])
        target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    })()`);
    await page
      .getByText('Added 1 folder: waiting for an image model, then tagging starts by itself.')
      .waitFor(SLOW);
    const panel = page.getByRole('region', { name: 'Skiptag needs an image model' });
    await panel
      .getByText('“photos” is waiting: tagging starts by itself once a model is ready.')
      .waitFor(SLOW);
    await page.getByRole('heading', { name: 'Waiting for an image model' }).waitFor(SLOW);
    expect(await page.evaluate('window.__sawNoPhotos')).toBe(false);
  });

  it('explains an offline download in words, wrapped inside the panel', async () => {
    const panel = page.getByRole('region', { name: 'Skiptag needs an image model' });
    await panel.getByRole('button', { name: 'Download' }).click();
    const alert = panel.getByRole('alert');
    await expect
      .poll(() => alert.textContent(), SLOW)
      .toMatch(
        /^\s*The download failed: no internet connection: could not reach skiptag-offline\.invalid \(E[A-Z_]+\)/,
      );
    // The whole message is readable: it wraps rather than running past the panel.
    const fits = await alert.evaluate((e) => {
      const el = e as unknown as {
        scrollWidth: number;
        clientWidth: number;
        getBoundingClientRect(): { right: number };
      };
      return el.scrollWidth <= el.clientWidth && el.getBoundingClientRect().right <= 900;
    });
    expect(fits).toBe(true);
    expect(await cutOffOrCovered(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'first-run-offline', true);
  });

  it('imports a model file picked in the panel, and says why one that is not a model is refused', async () => {
    const notModel = path.join(tmp, 'not-a-model.onnx');
    await writeFile(notModel, 'these are not weights');
    await page.evaluate((file) => {
      (globalThis as TestGlobals).__skiptagTestDropPaths = [file];
    }, notModel);
    const panel = page.getByRole('region', { name: 'Skiptag needs an image model' });
    await panel.getByRole('button', { name: 'Import a model file…' }).waitFor();
    // What the file dialog hands the page; the bridge stands in for the preload's path lookup.
    await panel.locator('input[type=file]').setInputFiles({
      name: 'not-a-model.onnx',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('these are not weights'),
    });
    const notice = page.locator('.notice.error[data-code="bad_request"]');
    await notice.waitFor(SLOW);
    expect(await notice.textContent()).toMatch(
      /Could not import the model: cannot import not-a-model\.onnx: /,
    );
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    expect(await panel.count()).toBe(1);
  });

  it('tags the waiting folder with the offline demo model by itself, marked as a demo', async () => {
    const panel = page.getByRole('region', { name: 'Skiptag needs an image model' });
    await panel.getByRole('button', { name: 'Use the offline demo model' }).click();
    await page.getByText(/The colour demo model is ready/).waitFor(SLOW);
    await expect.poll(() => panel.count(), SLOW).toBe(0);
    await page
      .getByRole('note')
      .getByText(/Demo model:/)
      .waitFor(SLOW);
    // Every sample photo gets colour names; the dog on its yellow porch is yellow, not "grey 100%".
    await expect.poll(() => page.locator('[role=gridcell]:has([data-tag])').count(), SLOW).toBe(7);
    const dog = page.getByRole('gridcell').filter({ hasText: 'dog.jpg' });
    await expect.poll(() => dog.locator('[data-tag="yellow"]').count(), SLOW).toBe(1);
    await expect
      .poll(() => page.getByRole('region', { name: 'Tagging progress' }).textContent(), SLOW)
      .toMatch(/Finished/);
    expect(await cutOffOrCovered(page)).toEqual([]);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'demo-model', true);

    await page.getByRole('note').getByRole('button', { name: 'Choose a real model…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    const picker = dialog.getByLabel('Model for tagging');
    await expect
      .poll(() => picker.locator('option:checked').textContent(), SLOW)
      .toContain('demo: names colours');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(problems).toEqual([]);
  });
});
