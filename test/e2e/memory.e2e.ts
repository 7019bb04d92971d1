// Renderer memory while scrolling 5,000 photos (test): measured through the DevTools protocol and the renderer
// process's own numbers, printed, and checked with generous slack (the target: within ~100 MB of the start).
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeColourModel } from '../support/colour-photos.js';
import { startBridge, type Bridge } from './bridge/bridge-server.js';
import { launchChromium, ROOT, SLOW, watchedPage } from './page-checks.js';
import { seedManyPhotos } from './seed-library.js';

const COUNT = 5000;
const MB = 1024 * 1024;

let tmp: string;
let bridge: Bridge;
let browser: Browser;
let page: Page;
let cdp: CDPSession;
let browserCdp: CDPSession;
let problems: string[];
const savedModelsDir = process.env.SKIPTAG_MODELS_DIR;

interface Sample {
  /** JavaScript heap in use after a full garbage collection. */
  jsHeap: number;
  /** DOM nodes alive. */
  nodes: number;
  /** Resident memory of the renderer process(es), from /proc (Linux). */
  rendererRss: number;
}

/** RSS of Chromium's renderer processes, as the DevTools protocol names them and /proc measures them. */
async function rendererRss(): Promise<number> {
  const info = (await browserCdp.send('SystemInfo.getProcessInfo')) as {
    processInfo: { type: string; id: number }[];
  };
  let total = 0;
  for (const process of info.processInfo.filter((p) => p.type === 'renderer')) {
    const status = await readFile(`/proc/${process.id}/status`, 'utf8').catch(() => '');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    total += Number(kb ?? 0) * 1024;
  }
  return total;
}

async function sample(): Promise<Sample> {
  await cdp.send('HeapProfiler.collectGarbage');
  await page.waitForTimeout(300);
  const { metrics } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
  return { jsHeap: metric('JSHeapUsedSize'), nodes: metric('Nodes'), rendererRss: await rendererRss() };
}

const show = (s: Sample) =>
  `JS heap ${(s.jsHeap / MB).toFixed(1)} MB, renderer RSS ${(s.rendererRss / MB).toFixed(0)} MB, ${s.nodes} DOM nodes`;

/** Scrolls the grid from top to bottom a screen at a time, waiting for each screen's thumbnails. */
async function scrollThrough(): Promise<number> {
  await page.evaluate(`document.getElementById('photo-grid').scrollTop = 0`);
  let screens = 0;
  for (;;) {
    // Polled with evaluate: waitForFunction compiles its predicate in the page, which the CSP forbids.
    for (let waited = 0; waited < 15_000; waited += 50) {
      const loaded = await page.evaluate(
        `[...document.querySelectorAll('[role=gridcell] img')].every((i) => i.complete)`,
      );
      if (loaded) break;
      await page.waitForTimeout(50);
    }
    screens += 1;
    const atEnd = await page.evaluate(`(() => {
      const grid = document.getElementById('photo-grid');
      if (grid.scrollTop + grid.clientHeight >= grid.scrollHeight - 2) return true;
      grid.scrollTop += grid.clientHeight;
      return false;
    })()`);
    if (atEnd) return screens;
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'skiptag-e2e-memory-'));
  const libraryFile = path.join(tmp, 'library.db');
  const ids = await seedManyPhotos(libraryFile, path.join(tmp, 'photos'), COUNT);
  const modelPath = await writeColourModel(path.join(tmp, 'model'));
  process.env.SKIPTAG_MODELS_DIR = path.dirname(modelPath);
  bridge = await startBridge({
    port: 0,
    dataDir: path.join(tmp, 'data'),
    libraryFile,
    modelPath,
    rendererDir: path.join(ROOT, 'out', 'renderer'),
  });
  // Render every thumbnail once beforehand (the worker's disk cache): the scroll then measures the window,
  // not how fast two shared cores render 5,000 JPEGs. 'small' is what default cells ask for on a 1× screen.
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(ids.slice(i, i + 50).map((id) => bridge.service.image(id, 'small')));
  }
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 }, colorScheme: 'light' });
  ({ page, problems } = await watchedPage(context));
  cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  browserCdp = await browser.newBrowserCDPSession();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  if (savedModelsDir === undefined) delete process.env.SKIPTAG_MODELS_DIR;
  else process.env.SKIPTAG_MODELS_DIR = savedModelsDir;
});

describe('renderer memory with 5,000 photos', () => {
  it('stays bounded over two full scrolls: thumbnails off screen are let go', async () => {
    await page.goto(bridge.url);
    await page.getByRole('gridcell').first().waitFor(SLOW);
    expect(await page.getByRole('region', { name: 'Review' }).textContent()).toContain('of 5,000');
    await page.waitForTimeout(2000);
    const start = await sample();
    const screens = await scrollThrough();
    const once = await sample();
    await scrollThrough();
    await page.waitForTimeout(10_000);
    const twice = await sample();
    await cdp.send('Memory.simulatePressureNotification', { level: 'critical' });
    await page.waitForTimeout(2000);
    const pressed = await sample();
    console.log(
      `renderer memory, ${COUNT} photos, ${screens} screens per scroll (1600×1000):\n` +
        `  start:                         ${show(start)}\n` +
        `  after one full scroll:         ${show(once)}\n` +
        `  after two, then 10 s idle:     ${show(twice)}\n` +
        `  after a memory-pressure signal: ${show(pressed)}\n` +
        `  growth: JS heap ${((twice.jsHeap - start.jsHeap) / MB).toFixed(1)} MB, ` +
        `renderer RSS ${((twice.rendererRss - start.rendererRss) / MB).toFixed(0)} MB (target ≤ ~100 MB)`,
    );
    // What the window holds goes back: the rows in view in the DOM, a few MB of JavaScript.
    expect(twice.jsHeap - start.jsHeap).toBeLessThan(30 * MB);
    // What remains is Chromium's cache of about a thousand decoded pictures, the same after one scroll or
    // two, and given back on memory pressure; with full-size thumbnails it held +232 MB here (the issue saw
    // +325 MB after one scroll). The limit leaves ~50% slack over the ~100 MB target for other machines.
    expect(twice.rendererRss - start.rendererRss).toBeLessThan(160 * MB);
    expect(twice.rendererRss - once.rendererRss).toBeLessThan(50 * MB);
    expect(pressed.rendererRss - start.rendererRss).toBeLessThan(100 * MB);
    // The grid keeps only the rows in view in the DOM.
    expect(twice.nodes).toBeLessThan(start.nodes + 2000);
    expect(problems).toEqual([]);
  }, 600_000);
});
