// View options (renderer): thumbnail size, crop or fit, the display threshold and whether to show what is under it; kept across sessions.

/**
 * Suggestions under this are noise for review ("grey <1%"): the same 10% as the tag rules' default threshold
 * (engine/tagging/tag-rules-file.ts), which the CLI uses to decide what becomes a tag.
 */
export const DEFAULT_DISPLAY_THRESHOLD = 0.1;
export const THUMB_SIZES = { min: 120, max: 320, default: 184 } as const;

export type CellFit = 'fit' | 'crop';

type Saved = { thumbSize: number; fit: CellFit; threshold: number; showLow: boolean };

const KEY = 'skiptag.view';
const DEFAULTS: Saved = {
  thumbSize: THUMB_SIZES.default,
  fit: 'fit',
  threshold: DEFAULT_DISPLAY_THRESHOLD,
  showLow: false,
};

function clamp(value: unknown, min: number, max: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

/** What was saved, field by field: a bad or missing value falls back to its default. */
function load(): Saved {
  let raw: Record<string, unknown> = {};
  try {
    const text = globalThis.localStorage?.getItem(KEY);
    if (text) raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Storage off or the value damaged: the defaults.
  }
  return {
    thumbSize: Math.round(clamp(raw.thumbSize, THUMB_SIZES.min, THUMB_SIZES.max, DEFAULTS.thumbSize)),
    fit: raw.fit === 'crop' ? 'crop' : 'fit',
    threshold: clamp(raw.threshold, 0, 1, DEFAULTS.threshold),
    showLow: raw.showLow === true,
  };
}

class ViewStore {
  /** Width of a grid cell in CSS pixels; the picture is a little smaller. */
  thumbSize = $state(DEFAULTS.thumbSize);
  fit = $state<CellFit>(DEFAULTS.fit);
  /** Suggestions scoring under this are hidden in cells, the panel and the counts, unless showLow. */
  threshold = $state(DEFAULTS.threshold);
  showLow = $state(DEFAULTS.showLow);

  constructor() {
    Object.assign(this, load());
  }

  /** The threshold in effect: 0 while low suggestions are shown. */
  get effectiveThreshold(): number {
    return this.showLow ? 0 : this.threshold;
  }

  set(patch: Partial<Saved>): void {
    if (patch.thumbSize !== undefined)
      this.thumbSize = Math.round(clamp(patch.thumbSize, THUMB_SIZES.min, THUMB_SIZES.max, this.thumbSize));
    if (patch.fit !== undefined) this.fit = patch.fit;
    if (patch.threshold !== undefined) this.threshold = clamp(patch.threshold, 0, 1, this.threshold);
    if (patch.showLow !== undefined) this.showLow = patch.showLow;
    this.#save();
  }

  /** Test hook: the defaults, and nothing saved. */
  reset(): void {
    Object.assign(this, DEFAULTS);
    try {
      globalThis.localStorage?.removeItem(KEY);
    } catch {
      // Nothing saved, nothing to clear.
    }
  }

  #save(): void {
    const saved: Saved = {
      thumbSize: this.thumbSize,
      fit: this.fit,
      threshold: this.threshold,
      showLow: this.showLow,
    };
    try {
      globalThis.localStorage?.setItem(KEY, JSON.stringify(saved));
    } catch {
      // A full or disabled storage only means the choice is not remembered.
    }
  }
}

export const view = new ViewStore();
