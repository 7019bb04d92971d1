// Shared end-to-end checks (test): Chromium launch, page problems, axe-core, controls cut off or covered, screenshots.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { CHROMIUM } from './run-e2e.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'e2e');
/** Screenshots the README shows; written by the e2e run and committed. */
export const DOCS_SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');
/** Long enough for the engine to start and tag a few photos on a busy two-core machine. */
export const SLOW = { timeout: 90_000, interval: 200 };

/** The bridge shim's stand-ins for Electron's file paths and save dialog. */
export type TestGlobals = { __skiptagTestDropPaths?: string[]; __skiptagTestExportPath?: string };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

/** A page whose console errors, uncaught errors, CSP violations and failed loads are collected. */
export async function watchedPage(
  context: BrowserContext,
): Promise<{ page: Page; problems: string[]; failedLoads: string[] }> {
  const problems: string[] = [];
  const failedLoads: string[] = [];
  await context.addInitScript(
    `document.addEventListener('securitypolicyviolation', (e) =>
      console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))`,
  );
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(message.text());
    }
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('response', (response) => {
    if (response.status() >= 400)
      failedLoads.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  return { page, problems, failedLoads };
}

let axeSource: Promise<string> | undefined;

/**
 * axe-core's violations on the page as it is now, as "rule: selectors" lines ([] is the goal). The script is
 * evaluated through the DevTools protocol, which the page's CSP does not govern; the page itself stays
 * under its policy.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(`typeof window.axe !== 'undefined'`))) await page.evaluate(await axeSource);
  const violations = (await page.evaluate(
    `window.axe.run(document, { resultTypes: ['violations'] }).then((r) =>
       r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))`,
  )) as string[];
  return violations;
}

/**
 * Controls of the window's fixed parts (toolbars, panels, the sidebar's header and footer, open dialogs; or
 * only those under the `only` selectors, e.g. an open menu, which covers what is under it by design) that
 * are cut off by the window's edge, or covered by something else where a click would land.
 */
export async function cutOffOrCovered(page: Page, only?: string[]): Promise<string[]> {
  const areas = only ?? [
    '.filters',
    '.review',
    '.progress',
    '.first-run',
    '.demo',
    '.sidebar header',
    '.sidebar .bottom',
    '.detail',
    'dialog[open]',
  ];
  return (await page.evaluate(`(() => {
    const areas = ${JSON.stringify(areas)};
    const controls = document.querySelectorAll(
      areas.map((a) => a + ' :is(button, input, select, summary, [role=button])').join(', '),
    );
    const problems = [];
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    for (const el of controls) {
      // Not rendered: display none, inside a closed <details> (content-visibility), visibility hidden.
      if (!el.checkVisibility({ checkVisibilityCSS: true, contentVisibilityAuto: true })) continue;
      // Hidden from people on purpose (a file input a button opens, screen-reader-only text).
      if (el.closest('[aria-hidden="true"]')) continue;
      const box = el.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1) continue;
      // In a scroll box (the detail panel, the error list, a dialog's list), what is scrolled out of view,
      // even partly, is reached by scrolling: only what the box shows whole is checked.
      let scroller = el.parentElement;
      while (scroller && !/(auto|scroll)/.test(getComputedStyle(scroller).overflowY)) scroller = scroller.parentElement;
      const bounds = scroller ? scroller.getBoundingClientRect() : { top: 0, bottom: vh };
      if (scroller && (box.top < bounds.top - 0.5 || box.bottom > bounds.bottom + 0.5)) continue;
      const name = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('placeholder') || el.tagName).trim().slice(0, 40);
      if (box.left < -0.5 || box.top < -0.5 || box.right > vw + 0.5 || box.bottom > vh + 0.5) {
        problems.push('cut off by the window: ' + name);
        continue;
      }
      const x = Math.min(vw - 1, Math.max(0, box.left + box.width / 2));
      const y = Math.min(vh - 1, Math.max(0, box.top + box.height / 2));
      const hit = document.elementFromPoint(x, y);
      const label = el.closest('label');
      if (!hit || !(el === hit || el.contains(hit) || (label && label.contains(hit)))) {
        problems.push('covered: ' + name + ' (under ' + (hit ? hit.tagName.toLowerCase() + '.' + hit.className : 'nothing') + ')');
      }
    }
    return problems;
  })()`)) as string[];
}

/** Heights of the rows above the grid, in CSS pixels. */
export async function headerHeights(page: Page): Promise<Record<string, number>> {
  return (await page.evaluate(`Object.fromEntries(
    ['.filters', '.review', '.progress', '.demo', '.first-run']
      .map((s) => [s, document.querySelector(s)?.getBoundingClientRect().height ?? 0]))`)) as Record<
    string,
    number
  >;
}

export async function screenshot(page: Page, name: string, docs = false): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  if (docs) {
    await mkdir(DOCS_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(DOCS_SCREENSHOTS, `${name}.png`) });
  }
}

/** File names in the grid, in grid order. */
export function gridNames(page: Page): Promise<string[]> {
  return page.evaluate(
    `[...document.querySelectorAll('[role=gridcell] .name')].map((e) => e.textContent.trim())`,
  ) as Promise<string[]>;
}

/** One computed style property of the element (the test's TypeScript has no DOM types, the page has). */
export function styleOf(locator: Locator, property: string): Promise<string> {
  return locator.evaluate((element, name) => {
    const view = globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> };
    return view.getComputedStyle(element)[name] ?? '';
  }, property);
}
