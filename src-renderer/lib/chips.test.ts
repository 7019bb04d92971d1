// Tests for which tags a cell shows and which one a review action takes (renderer).
import { describe, expect, it } from 'vitest';
import type { TagChip } from '$contract';
import { cellChips, topSuggestion } from './chips';

const c = (tag: string, score: number | null, state: TagChip['state'] = 'suggested'): TagChip => ({
  tag,
  score,
  state,
  source: score === null ? 'user' : 'auto',
});

describe('cellChips', () => {
  it('keeps a rejected tag in view, struck through, and hides noise under the threshold', () => {
    // "orange 94%" rejected: the cell must not turn into "yellow 5%, red <1%, grey <1%".
    const chips = [c('orange', 0.94, 'rejected'), c('yellow', 0.05), c('red', 0.004), c('grey', 0.003)];
    expect(cellChips(chips, 0.1, 3)).toEqual({ shown: [chips[0]], more: 0, hidden: 3 });
    // Asked for (threshold 0), everything shows, decisions first.
    expect(cellChips(chips, 0, 3).shown.map((x) => x.tag)).toEqual(['orange', 'yellow', 'red']);
  });

  it('puts decisions before suggestions, the filtered tag first even when low, and counts what did not fit', () => {
    const chips = [
      c('dog', 0.6),
      c('cat', 0.9, 'rejected'),
      c('mine', null, 'accepted'),
      c('fox', 0.2),
      c('ball', 0.02),
    ];
    const { shown, more, hidden } = cellChips(chips, 0.1, 3, 'ball');
    expect(shown.map((x) => x.tag)).toEqual(['ball', 'mine', 'cat']);
    expect(more).toBe(2);
    expect(hidden).toBe(0);
  });
});

describe('topSuggestion', () => {
  it('takes the best suggestion shown: never a rejected one, never one under the threshold', () => {
    expect(topSuggestion([c('orange', 0.94, 'rejected'), c('yellow', 0.05)], 0.1)).toBeUndefined();
    expect(topSuggestion([c('orange', 0.94, 'rejected'), c('yellow', 0.05)], 0)?.tag).toBe('yellow');
    expect(topSuggestion([c('a', 0.3), c('b', 0.5), c('c', 0.9, 'accepted')], 0.1)?.tag).toBe('b');
  });
});
