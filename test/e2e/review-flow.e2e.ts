// End-to-end review workflow (test): tags that never hide a decision, the tag sidebar, threshold review, the viewer,
// sorting, folder tree, search, shortcuts, and every window size from 800×560 in light and dark, with axe-core.
// The built renderer runs in Chromium against the test bridge: real AppService, SQLite file, worker renders.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImageSummary } from '../../src-main/shared/contract.js';
import { writeColourModel } from '../support/colour-photos.js';
import { startBridge, type Bridge } from './bridge/bridge-server.js';
import {
  axeViolations,
  cutOffOrCovered,
  gridNames,
  headerHeights,
  launchChromium,
  ROOT,
  screenshot,
  SLOW,
  styleOf,
  watchedPage,
} from './page-checks.js';
import { FAILED_PHOTOS, REVIEW_PHOTOS, seedReviewLibrary } from './seed-library.js';

let tmp: string;
let bridge: Bridge;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[];
const savedModelsDir = process.env.SKIPTAG_MODELS_DIR;
const TOTAL = REVIEW_PHOTOS.length + FAILED_PHOTOS.length;

const grid = () => page.getByRole('grid', { name: 'Photos' });
const cell = (name: string) => page.getByRole('gridcell').filter({ hasText: name });
const chip = (name: string, tag: string) => cell(name).locator(`[data-tag="${tag}"]`);

/** Every photo as the service has it now (the source of truth the window must agree with). */
async function library(): Promise<ImageSummary[]> {
  return (await bridge.service.handle('images:query', { filter: { review: 'all' }, offset: 0, limit: 100 }))
    .items;
}
async function stateOf(name: string, tag: string): Promise<string | undefined> {
  return (await library()).find((i) => i.name === name)?.tags.find((t) => t.tag === tag)?.state;
}

async function selectOnly(name: string): Promise<void> {
  await cell(name).click();
  await page.getByText('1 photo selected').waitFor();
}

async function openView(): Promise<void> {
  await page.getByRole('button', { name: 'View', exact: true }).click();
}

/** Playwright cannot fill a range input: set it as a drag would, with an input event. */
async function setSlider(name: string, value: number): Promise<void> {
  await page.getByRole('slider', { name }).evaluate((input, v) => {
    (input as unknown as { value: string }).value = String(v);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'skiptag-e2e-review-'));
  const libraryFile = path.join(tmp, 'library.db');
  await seedReviewLibrary(libraryFile, path.join(tmp, 'photos'));
  const modelPath = await writeColourModel(path.join(tmp, 'model'));
  process.env.SKIPTAG_MODELS_DIR = path.dirname(modelPath);
  bridge = await startBridge({
    port: 0,
    dataDir: path.join(tmp, 'data'),
    libraryFile,
    modelPath,
    rendererDir: path.join(ROOT, 'out', 'renderer'),
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' });
  ({ page, problems } = await watchedPage(context));
  await page.goto(bridge.url);
  await page
    .getByRole('gridcell')
    .nth(TOTAL - 1)
    .waitFor(SLOW);
});

afterAll(async () => {
  await browser?.close();
  await bridge?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  if (savedModelsDir === undefined) delete process.env.SKIPTAG_MODELS_DIR;
  else process.env.SKIPTAG_MODELS_DIR = savedModelsDir;
});

/** No dialog or menu left open by a test that failed half-way: each test starts from the grid. */
beforeEach(async () => {
  for (let i = 0; i < 3 && (await page.locator('dialog[open], .dropdown .panel').count()) > 0; i++) {
    await page.keyboard.press('Escape');
  }
});

describe('reviewing a tagged library in Chromium', () => {
  it('shows one set of counts everywhere, and what kind of failure each failed photo is', async () => {
    const nav = page.getByRole('navigation', { name: 'Library' });
    await expect
      .poll(() => nav.getByRole('button', { name: /^All photos/ }).textContent())
      .toContain(`${TOTAL}`);
    expect(await page.getByRole('region', { name: 'Review' }).textContent()).toContain(`of ${TOTAL}`);
    expect(await nav.getByRole('button', { name: /^Failed/ }).textContent()).toContain('2');
    await expect.poll(() => cell('IMG_0042.heic').textContent()).toContain('Unsupported format');
    expect(await cell('truncated.jpg').textContent()).toContain('Corrupt file');
    // The thumbnails are the worker's renders of the real files.
    await expect
      .poll(
        () =>
          page.evaluate(
            `[...document.querySelectorAll('[role=gridcell] img')].filter((i) => i.complete && i.naturalWidth > 0).length`,
          ),
        SLOW,
      )
      .toBe(REVIEW_PHOTOS.length);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'review-grid', true);
  });

  it('hides suggestions under 10% unless asked, keeps a rejected tag visible, and never accepts a hidden one', async () => {
    expect(await chip('dog.jpg', 'Eskimo dog').getAttribute('data-state')).toBe('suggested');
    expect(await chip('dog.jpg', 'malamute').count()).toBe(1);
    expect(await chip('dog.jpg', 'mountain bike').count()).toBe(0);
    expect(await chip('dog.jpg', 'Siberian husky').count()).toBe(0);

    await selectOnly('dog.jpg');
    await page.keyboard.press('r');
    await expect.poll(() => chip('dog.jpg', 'Eskimo dog').getAttribute('data-state'), SLOW).toBe('rejected');
    // Struck through, still in the cell.
    expect(await styleOf(chip('dog.jpg', 'Eskimo dog').locator('.tag'), 'textDecorationLine')).toBe(
      'line-through',
    );
    await page.keyboard.press('a');
    // The best suggestion shown that is not rejected: malamute, never the rejected one.
    await expect.poll(() => chip('dog.jpg', 'malamute').getAttribute('data-state'), SLOW).toBe('accepted');
    expect(await stateOf('dog.jpg', 'Eskimo dog')).toBe('rejected');

    await selectOnly('eagle.jpg');
    await page.keyboard.press('r');
    await expect
      .poll(() => chip('eagle.jpg', 'bald eagle').getAttribute('data-state'), SLOW)
      .toBe('rejected');
    await page.keyboard.press('a');
    await page.getByText(/Nothing to review: no suggestion at or above 10%/).waitFor();
    // "kite 5%" was never promoted: it is still a suggestion, and still hidden.
    expect(await stateOf('eagle.jpg', 'kite')).toBe('suggested');
    expect(await chip('eagle.jpg', 'kite').count()).toBe(0);

    await openView();
    await page.getByRole('checkbox', { name: /Show suggestions under 10%/ }).check();
    await expect.poll(() => chip('eagle.jpg', 'kite').count()).toBe(1);
    await page.getByRole('checkbox', { name: /Show suggestions under 10%/ }).uncheck();
    await page.keyboard.press('Escape');
    await expect.poll(() => chip('eagle.jpg', 'kite').count()).toBe(0);
    await screenshot(page, 'review-decisions');
  });

  it('lists every tag with its counts, searchable and nested by kind; a click filters the grid', async () => {
    const tags = page.getByRole('navigation', { name: 'Library' });
    const sorrel = tags.getByRole('button', { name: /^sorrel/ });
    await expect.poll(() => sorrel.getAttribute('title')).toBe('sorrel: 2 to review, 0 accepted, 0 rejected');
    // malamute was accepted on dog.jpg and suggested at 12%… on nothing else: one accepted.
    expect(await tags.getByRole('button', { name: /^malamute/ }).getAttribute('title')).toContain(
      '1 accepted',
    );
    // Kinds: sorrel is a horse, which is an animal (the WordNet hierarchy behind the model's labels).
    const fold = tags.getByRole('button', { name: 'Fold animal' });
    expect(await fold.getAttribute('aria-expanded')).toBe('true');
    await fold.click();
    expect(await sorrel.count()).toBe(0);
    await tags.getByRole('button', { name: 'Unfold animal' }).click();
    await tags.getByRole('searchbox', { name: 'Find a tag' }).fill('sor');
    expect(await tags.locator('.tag').allTextContents()).toEqual([expect.stringContaining('sorrel')]);
    await sorrel.click();
    await expect.poll(() => gridNames(page), SLOW).toEqual(['horses.jpg', 'person.jpg']);
    expect(await page.getByRole('combobox', { name: 'Tag', exact: true }).inputValue()).toBe('sorrel');
    expect(await page.getByRole('region', { name: 'Review' }).textContent()).toContain('of 2');
    await tags.getByRole('searchbox', { name: 'Find a tag' }).fill('');
  });

  it('accepts everything above a threshold chosen on the histogram, counted first, undone in one step', async () => {
    await grid().focus();
    await page.keyboard.press('t');
    const dialog = page.getByRole('dialog', { name: 'Accept above a threshold' });
    await dialog.waitFor();
    expect(await dialog.getByRole('combobox', { name: 'Tag' }).inputValue()).toBe('sorrel');
    // Drag the threshold on the picture from 90% down to 50%.
    const picture = dialog.getByRole('img');
    const box = await picture.boundingBox();
    if (!box) throw new Error('no histogram');
    await page.mouse.move(box.x + box.width * 0.895, box.y + box.height / 2);
    await page.mouse.down();
    await expect
      .poll(() => dialog.getByRole('status').first().textContent(), SLOW)
      .toContain('No suggestion');
    await page.mouse.move(box.x + box.width * 0.495, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await expect
      .poll(() => dialog.getByRole('spinbutton', { name: 'Threshold, percent' }).inputValue())
      .toBe('50');
    const accept = dialog.getByRole('button', { name: 'Accept all “sorrel” ≥ 50% (1 photo)' });
    await accept.waitFor(SLOW);
    expect(await dialog.locator('rect.above').count()).toBe(50);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'threshold-review', true);
    await accept.click();
    await dialog.getByText(/Done: Accept “sorrel” ≥ 50% on 1 photo/).waitFor(SLOW);
    expect(await stateOf('horses.jpg', 'sorrel')).toBe('accepted');
    expect(await stateOf('person.jpg', 'sorrel')).toBe('suggested');

    // Every tag at once: the count comes before the action, from the service.
    await dialog.getByRole('combobox', { name: 'Tag' }).selectOption('');
    await dialog.getByRole('spinbutton', { name: 'Threshold, percent' }).fill('30');
    await dialog.getByRole('spinbutton', { name: 'Threshold, percent' }).press('Tab');
    const expected = (await library()).filter((i) =>
      i.tags.some((t) => t.state === 'suggested' && (t.score ?? 0) >= 0.3),
    );
    const all = dialog.getByRole('button', {
      name: `Accept every suggestion ≥ 30% (${expected.length} photos)`,
    });
    await all.waitFor(SLOW);
    await all.click();
    await dialog.getByText(/Done: Accept every suggestion ≥ 30%/).waitFor(SLOW);
    for (const image of expected) {
      const left = (await library()).find((i) => i.id === image.id);
      expect(
        left?.tags.filter((t) => t.state === 'suggested' && (t.score ?? 0) >= 0.3),
        image.name,
      ).toEqual([]);
    }
    await dialog.getByRole('button', { name: 'Close' }).click();
    // One undo takes the whole bulk accept back, and only it.
    await grid().focus();
    await page.keyboard.press('Control+z');
    await expect.poll(() => stateOf('person.jpg', 'sorrel'), SLOW).toBe('suggested');
    await expect.poll(() => stateOf('kite.jpg', 'parachute'), SLOW).toBe('suggested');
    expect(await stateOf('horses.jpg', 'sorrel')).toBe('accepted');
  });

  it('opens a photo full screen: arrows move, number keys decide, Z shows actual pixels, Esc returns', async () => {
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await expect.poll(() => page.getByRole('gridcell').count(), SLOW).toBe(TOTAL);
    const names = await gridNames(page);
    await grid().focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    const viewer = page.getByRole('dialog', { name: names[0] });
    await viewer.waitFor(SLOW);
    await page.keyboard.press('ArrowRight');
    const second = page.getByRole('dialog', { name: names[1] });
    await second.waitFor(SLOW);
    const tags = second.getByRole('list', { name: 'Tags, with their number keys' });
    const firstChip = tags.locator('[data-tag]').first();
    const first = (await firstChip.getAttribute('data-tag')) ?? '';
    const before = await firstChip.getAttribute('data-state');
    // 1 accepts the first tag; on a tag already accepted it takes the decision back.
    const toggled = before === 'accepted' ? 'suggested' : 'accepted';
    await page.keyboard.press('1');
    await expect.poll(() => stateOf(names[1] ?? '', first), SLOW).toBe(toggled);
    await expect
      .poll(() => tags.locator(`[data-tag="${first}"]`).getAttribute('data-state'), SLOW)
      .toBe(toggled);
    await page.keyboard.press('Shift+Digit1');
    await expect.poll(() => stateOf(names[1] ?? '', first), SLOW).toBe('rejected');
    await expect
      .poll(() => tags.locator(`[data-tag="${first}"]`).getAttribute('data-state'), SLOW)
      .toBe('rejected');
    await screenshot(page, 'viewer', true);
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('z');
    const photo = second.locator('.stage img');
    await expect.poll(() => photo.getAttribute('src')).toMatch(/^\/full\/\d+$/);
    const natural = await photo.evaluate(async (img) => {
      await (img as unknown as { decode(): Promise<void> }).decode();
      return (img as unknown as { naturalWidth: number }).naturalWidth;
    });
    const file = REVIEW_PHOTOS.find((p) => p.file === names[1]);
    // Actual pixels: the photo's own width (the samples are 352–1352 px wide).
    expect(natural).toBe(
      {
        'dog.jpg': 768,
        'eagle.jpg': 773,
        'horses.jpg': 773,
        'person.jpg': 640,
        'kite.jpg': 1352,
        'giraffe.jpg': 500,
        'scream.jpg': 352,
      }[file?.file ?? ''],
    );
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    expect(await page.evaluate('document.activeElement?.id')).toBe('photo-grid');
  });

  it('sorts by date taken, sizes and crops thumbnails, browses subfolders, searches names or paths', async () => {
    await page.getByRole('combobox', { name: 'Sort' }).first().selectOption('taken');
    const dated = REVIEW_PHOTOS.filter((p) => p.takenAt)
      .sort((a, b) => (b.takenAt ?? '').localeCompare(a.takenAt ?? ''))
      .map((p) => p.file);
    await expect.poll(async () => (await gridNames(page)).slice(0, dated.length), SLOW).toEqual(dated);

    await openView();
    await setSlider('Thumbnail size', 120);
    await page.getByRole('radio', { name: 'Fill the square' }).check();
    await page.keyboard.press('Escape');
    await expect
      .poll(() =>
        page
          .getByRole('gridcell')
          .first()
          .evaluate((e) => e.getBoundingClientRect().width),
      )
      .toBe(120);
    expect(await styleOf(page.locator('[role=gridcell] img').first(), 'objectFit')).toBe('cover');
    await screenshot(page, 'small-cropped-thumbnails');
    await openView();
    await setSlider('Thumbnail size', 184);
    await page.getByRole('radio', { name: 'Whole photo' }).check();
    await page.keyboard.press('Escape');

    const nav = page.getByRole('navigation', { name: 'Library' });
    await nav.getByRole('button', { name: 'Show subfolders of photos' }).click();
    await nav.getByRole('button', { name: /^2013/ }).click();
    // The old grid stays on screen until the new first page arrives: wait for exactly the subfolder's photos.
    await expect
      .poll(async () => (await gridNames(page)).sort(), SLOW)
      .toEqual(['eagle.jpg', 'horses.jpg', 'person.jpg']);
    await nav.getByRole('button', { name: 'Show subfolders of 2013' }).click();
    await nav.getByRole('button', { name: /^spring/ }).click();
    await expect.poll(async () => (await gridNames(page)).sort(), SLOW).toEqual(['horses.jpg', 'person.jpg']);
    await page.getByRole('button', { name: 'Clear filters' }).first().click();

    // The box says what it searches: file names, or whole paths with the toggle.
    const search = page.getByRole('searchbox', { name: 'Search file names' });
    await search.fill('spring');
    await page.getByRole('heading', { name: 'No photos match' }).waitFor(SLOW);
    await page.getByRole('button', { name: 'Paths' }).click();
    await page.getByRole('searchbox', { name: 'Search folder and file names' }).waitFor();
    await expect.poll(async () => (await gridNames(page)).sort(), SLOW).toEqual(['horses.jpg', 'person.jpg']);
    await page.getByRole('button', { name: 'Paths' }).click();
    await page.getByRole('button', { name: 'Clear filters' }).first().click();
    await expect.poll(() => page.getByRole('gridcell').count(), SLOW).toBe(TOTAL);
  });

  it('names its shortcuts: ? opens the sheet, tooltips carry the keys', async () => {
    expect(
      await page
        .getByRole('button', { name: /^Accept/ })
        .first()
        .getAttribute('title'),
    ).toMatch(/\(A\)$/);
    expect(
      await page
        .getByRole('button', { name: /^Reject/ })
        .first()
        .getAttribute('title'),
    ).toMatch(/\(R\)$/);
    await grid().focus();
    await page.keyboard.press('?');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.waitFor();
    expect(await sheet.textContent()).toContain('Shift + 1 … 9');
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect.poll(() => sheet.count()).toBe(0);
  });

  it('fits every size from the window’s minimum, light and dark: nothing cut off or covered, toolbars in two rows', async () => {
    const sizes = [
      [800, 560],
      [900, 600],
      [1280, 800],
    ] as const;
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const [width, height] of sizes) {
        const at = `${width}×${height} ${scheme}`;
        await page.setViewportSize({ width, height });
        await cell('dog.jpg').dblclick();
        const panel = page.getByRole('complementary', { name: 'Photo details' });
        await panel.getByRole('heading', { name: 'dog.jpg' }).waitFor(SLOW);
        expect(await cutOffOrCovered(page), `${at}, details open`).toEqual([]);
        const columns = await grid().getAttribute('aria-colcount');
        expect(Number(columns), `${at}: columns beside the panel`).toBeGreaterThanOrEqual(2);
        const heights = await headerHeights(page);
        expect((heights['.filters'] ?? 0) + (heights['.review'] ?? 0), at).toBeLessThanOrEqual(100);
        expect(await axeViolations(page), at).toEqual([]);
        if (width === 800) await screenshot(page, `minimum-size-${scheme}`, true);
        await page.keyboard.press('Escape');
        await expect.poll(() => panel.count()).toBe(0);
        // The menus that hold what the narrow toolbars leave out.
        for (const menu of ['View', 'More']) {
          await page.getByRole('button', { name: menu, exact: true }).click();
          expect(await cutOffOrCovered(page, ['.dropdown .panel']), `${at}, ${menu} menu`).toEqual([]);
          await page.keyboard.press('Escape');
        }
        expect(await cutOffOrCovered(page), at).toEqual([]);
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(problems).toEqual([]);
  });
});
