// Tests for the view options (renderer): remembered across sessions, bad saved values fall back to defaults.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DISPLAY_THRESHOLD, THUMB_SIZES, view } from './view.svelte';

describe('view options', () => {
  it('start at the defaults, clamp what is set, and are saved', () => {
    expect(view.thumbSize).toBe(THUMB_SIZES.default);
    expect(view.effectiveThreshold).toBe(DEFAULT_DISPLAY_THRESHOLD);
    view.set({ thumbSize: 999, fit: 'crop', showLow: true });
    expect(view.thumbSize).toBe(THUMB_SIZES.max);
    expect(view.effectiveThreshold).toBe(0);
    expect(JSON.parse(localStorage.getItem('skiptag.view') ?? '{}')).toMatchObject({
      thumbSize: THUMB_SIZES.max,
      fit: 'crop',
      showLow: true,
    });
  });
});
