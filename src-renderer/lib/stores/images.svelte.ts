// Photo list store (renderer): the current filter, its total and lazily fetched pages for the virtual grid.
import type { ImageFilter, ImageSortInput, ImageSummary } from '$contract';
import { skiptag } from '../api';
import { errorMessage } from '../format';
import { view } from './view.svelte';

/** Rows the grid asks for at a time; small enough to answer fast, big enough to cover a screen. */
export const PAGE_SIZE = 200;
/** Bulk reads (select all, long shift-ranges) use the contract's largest page: fewer round trips. */
const SPAN_PAGES = 5;

type Page = { gen: number; items: ImageSummary[] };

/**
 * Drops empty values so requests carry only what the user set; the score band means something only with a
 * tag, a subfolder only with its folder, where the search looks only with a search.
 */
export function normaliseFilter(f: ImageFilter): ImageFilter {
  const out: ImageFilter = { review: f.review ?? 'all' };
  if (f.folderId !== undefined) {
    out.folderId = f.folderId;
    if (f.subfolder) out.subfolder = f.subfolder;
  }
  const tag = f.tag?.trim();
  if (tag) {
    out.tag = tag;
    if (f.minScore !== undefined && f.minScore > 0) out.minScore = f.minScore;
    if (f.maxScore !== undefined && f.maxScore < 1) out.maxScore = f.maxScore;
  }
  const text = f.text?.trim();
  if (text) {
    out.text = text;
    if (f.textIn === 'path') out.textIn = 'path';
  }
  if (f.suggestionMin !== undefined && f.suggestionMin > 0) out.suggestionMin = f.suggestionMin;
  if (f.imageIds !== undefined && f.imageIds.length > 0) out.imageIds = f.imageIds;
  return out;
}

/** Whether the user narrowed the list (the display threshold and where the search looks do not count). */
export function isFiltered(f: ImageFilter): boolean {
  return (
    f.folderId !== undefined ||
    f.tag !== undefined ||
    f.text !== undefined ||
    f.imageIds !== undefined ||
    (f.review ?? 'all') !== 'all'
  );
}

/** The list as nothing narrows it, with the display threshold the view is set to. */
function baseFilter(): ImageFilter {
  return normaliseFilter({ review: 'all', suggestionMin: view.effectiveThreshold });
}

class ImagesStore {
  /** Raw (not deeply proxied): it is sent over IPC as is, and proxies cannot be structured-cloned. */
  filter = $state.raw<ImageFilter>(baseFilter());
  /** null: the service's default order (the tag's score with a tag filter, else name). */
  sort = $state.raw<ImageSortInput | null>(null);
  /** Matching photos; null until the first answer. */
  total = $state<number | null>(null);
  error = $state<string | null>(null);
  /** True between a filter change and its first page. */
  filtering = $state(false);
  /** Bumped when a new filter's list replaces the old one, so the grid scrolls back to the top. */
  listVersion = $state(0);
  /** Bumped when pages arrive. Pages live in a plain Map: 100,000 deeply reactive summaries would be slow. */
  #pageVersion = $state(0);
  #pages = new Map<number, Page>();
  #inFlight = new Map<number, { gen: number; promise: Promise<void> }>();
  #gen = 0;
  #range = { start: 0, end: 0 };
  #known = new Map<number, ImageSummary>();
  #resetListeners = new Set<() => void>();

  /** The summary at `index` in the current list, or undefined while its page is on its way. */
  item(index: number): ImageSummary | undefined {
    void this.#pageVersion;
    return this.#pages.get(Math.floor(index / PAGE_SIZE))?.items[index % PAGE_SIZE];
  }

  /** The latest summary seen for an image, wherever it was in the list. */
  summary(imageId: number): ImageSummary | undefined {
    void this.#pageVersion;
    return this.#known.get(imageId);
  }

  /** Called when a new filter replaces the list (the selection store clears itself). */
  onReset(listener: () => void): () => void {
    this.#resetListeners.add(listener);
    return () => this.#resetListeners.delete(listener);
  }

  setFilter(patch: Partial<ImageFilter>): void {
    const next = normaliseFilter({ ...this.filter, ...patch });
    if (JSON.stringify(next) === JSON.stringify(this.filter)) return;
    this.filter = next;
    void this.reload();
  }

  clearFilter(): void {
    this.filter = baseFilter();
    void this.reload();
  }

  setSort(sort: ImageSortInput | null): void {
    if (JSON.stringify(sort) === JSON.stringify(this.sort)) return;
    this.sort = sort;
    void this.reload();
  }

  /**
   * Loads the list for the current filter from the top. The old pages stay on screen until the new first
   * page arrives, so typing in the search box does not flash an empty grid.
   */
  async reload(): Promise<void> {
    this.#gen++;
    this.#inFlight.clear();
    this.filtering = true;
    for (const listener of this.#resetListeners) listener();
    const gen = this.#gen;
    await this.#load(0);
    if (gen !== this.#gen) return;
    for (const [p, page] of this.#pages) if (page.gen !== gen) this.#pages.delete(p);
    this.filtering = false;
    this.listVersion++;
    this.#pageVersion++;
  }

  /**
   * The library changed (new tags, new photos): refetch the pages on screen, keeping them visible meanwhile,
   * and forget the rest so they are fetched fresh when scrolled to.
   */
  refresh(): void {
    if (this.filtering) return;
    this.#gen++;
    const { first, last } = this.#pagesOf(this.#range.start, this.#range.end);
    for (const p of this.#pages.keys()) if (p < first || p > last) this.#pages.delete(p);
    this.ensureRange(this.#range.start, this.#range.end);
  }

  /** The grid's visible (plus overscan) index range: fetches the pages it needs that are missing or stale. */
  ensureRange(start: number, end: number): void {
    this.#range = { start, end };
    if (this.filtering) return;
    const { first, last } = this.#pagesOf(start, end);
    for (let p = first; p <= last; p++) {
      if (this.#pages.get(p)?.gen !== this.#gen) void this.#load(p);
    }
  }

  async itemAt(index: number): Promise<ImageSummary | undefined> {
    const p = Math.floor(index / PAGE_SIZE);
    if (!this.#pages.has(p)) await this.#load(p);
    return this.item(index);
  }

  /** Ids of the photos from index a to b inclusive (either order), fetching pages not seen yet. */
  async idsBetween(a: number, b: number): Promise<number[]> {
    const lo = Math.max(0, Math.min(a, b));
    const hi = Math.min(Math.max(a, b), (this.total ?? 0) - 1);
    if (hi < lo) return [];
    await this.#loadSpan(lo, hi);
    const ids: number[] = [];
    for (let i = lo; i <= hi; i++) {
      const item = this.#pages.get(Math.floor(i / PAGE_SIZE))?.items[i % PAGE_SIZE];
      if (item) ids.push(item.id);
    }
    return ids;
  }

  async allIds(): Promise<number[]> {
    if (this.total === null) await this.#load(0);
    return this.idsBetween(0, (this.total ?? 0) - 1);
  }

  /** Test hook: back to a fresh, unloaded store. */
  reset(): void {
    this.filter = baseFilter();
    this.sort = null;
    this.total = null;
    this.error = null;
    this.filtering = false;
    this.#gen++;
    this.#pages.clear();
    this.#inFlight.clear();
    this.#known.clear();
    this.#range = { start: 0, end: 0 };
    this.#pageVersion++;
  }

  #pagesOf(start: number, end: number): { first: number; last: number } {
    return { first: Math.floor(start / PAGE_SIZE), last: Math.floor(Math.max(start, end - 1) / PAGE_SIZE) };
  }

  /** Fetches the missing pages between two indexes in spans of up to SPAN_PAGES pages, a few at a time. */
  async #loadSpan(lo: number, hi: number): Promise<void> {
    const { first, last } = this.#pagesOf(lo, hi + 1);
    const spans: Array<[number, number]> = [];
    for (let p = first; p <= last; p++) {
      if (this.#pages.has(p)) continue;
      const open = spans.at(-1);
      if (open && open[1] === p - 1 && p - open[0] < SPAN_PAGES) open[1] = p;
      else spans.push([p, p]);
    }
    const queue = [...spans];
    const worker = async (): Promise<void> => {
      for (let span = queue.shift(); span; span = queue.shift()) await this.#fetch(span[0], span[1]);
    };
    await Promise.all([worker(), worker(), worker()]);
  }

  #load(p: number): Promise<void> {
    const gen = this.#gen;
    const pending = this.#inFlight.get(p);
    if (pending?.gen === gen) return pending.promise;
    const promise = this.#fetch(p, p).finally(() => {
      if (this.#inFlight.get(p)?.promise === promise) this.#inFlight.delete(p);
    });
    this.#inFlight.set(p, { gen, promise });
    return promise;
  }

  /** One query for pages first..last; answers for an outdated filter or refresh are dropped. */
  async #fetch(first: number, last: number): Promise<void> {
    const gen = this.#gen;
    try {
      const res = await skiptag().queryImages({
        filter: this.filter,
        offset: first * PAGE_SIZE,
        limit: (last - first + 1) * PAGE_SIZE,
        ...(this.sort ? { sort: this.sort } : {}),
      });
      if (gen !== this.#gen) return;
      for (let p = first; p <= last; p++) {
        const items = res.items.slice((p - first) * PAGE_SIZE, (p - first + 1) * PAGE_SIZE);
        this.#pages.set(p, { gen, items });
      }
      for (const item of res.items) this.#known.set(item.id, item);
      this.total = res.total;
      this.error = null;
      this.#pageVersion++;
    } catch (err) {
      if (gen === this.#gen) this.error = errorMessage(err);
    }
  }
}

export const images = new ImagesStore();
