// Threshold review store (renderer): one tag's (or every tag's) score histogram, a threshold, and how many photos accepting above it changes.
import { skiptag } from '../api';
import { errorMessage } from '../format';
import { debounce } from '../timing';
import { review } from './review.svelte';

export type Histogram = { bins: number[]; suggested: number; accepted: number; rejected: number };

/** Where the threshold starts: high enough that what it takes is nearly always right. */
export const DEFAULT_THRESHOLD = 0.8;

class ThresholdStore {
  dialogOpen = $state(false);
  /** null: every tag. */
  tag = $state<string | null>(null);
  /** 0.01–1, in whole percents (the histogram's bins). */
  threshold = $state(DEFAULT_THRESHOLD);
  histogram = $state.raw<Histogram | null>(null);
  /** What accepting now would change, counted by the service (a dry run) for exactly this tag and threshold. */
  preview = $state.raw<{ tag: string | null; threshold: number; photos: number; suggestions: number } | null>(
    null,
  );
  error = $state<string | null>(null);
  /** The last accept, for the dialog to confirm. */
  lastApplied = $state.raw<{ photos: number; label: string } | null>(null);
  #previewSoon = debounce(() => void this.#loadPreview(), 120);

  /** Suggestions at or above the threshold, from the histogram: shown while the exact count is on its way. */
  get estimate(): number {
    const from = Math.round(this.threshold * 100);
    return (this.histogram?.bins ?? []).slice(from).reduce((sum, n) => sum + n, 0);
  }

  /** The exact count for what is on screen, or null while it is being counted. */
  get photos(): number | null {
    const p = this.preview;
    return p && p.tag === this.tag && p.threshold === this.threshold ? p.photos : null;
  }

  open(tag: string | null): void {
    this.tag = tag;
    this.lastApplied = null;
    this.dialogOpen = true;
    void this.load();
  }

  close(): void {
    this.dialogOpen = false;
    this.#previewSoon.cancel();
  }

  async setTag(tag: string | null): Promise<void> {
    this.tag = tag;
    this.lastApplied = null;
    await this.load();
  }

  setThreshold(value: number): void {
    this.threshold = Math.min(1, Math.max(0.01, Math.round(value * 100) / 100));
    this.#previewSoon();
  }

  async load(): Promise<void> {
    const tag = this.tag;
    try {
      const histogram = await skiptag().tagHistogram(tag === null ? {} : { tag });
      if (tag !== this.tag) return;
      this.histogram = histogram;
      this.error = null;
    } catch (err) {
      this.error = errorMessage(err);
    }
    await this.#loadPreview();
  }

  async apply(): Promise<boolean> {
    const { tag, threshold } = this;
    const photos = await review.acceptAbove(tag, threshold);
    if (photos === null) return false;
    this.lastApplied = { photos, label: review.undoLabel ?? '' };
    await this.load();
    return true;
  }

  reset(): void {
    this.#previewSoon.cancel();
    this.dialogOpen = false;
    this.tag = null;
    this.threshold = DEFAULT_THRESHOLD;
    this.histogram = null;
    this.preview = null;
    this.error = null;
    this.lastApplied = null;
  }

  async #loadPreview(): Promise<void> {
    const { tag, threshold } = this;
    try {
      const counted = await skiptag().acceptAbove({
        ...(tag === null ? {} : { tag }),
        minScore: threshold,
        dryRun: true,
      });
      this.preview = { tag, threshold, photos: counted.photos, suggestions: counted.suggestions };
    } catch (err) {
      this.error = errorMessage(err);
    }
  }
}

export const threshold = new ThresholdStore();
