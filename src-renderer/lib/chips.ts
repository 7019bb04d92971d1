// Tag chip helpers (renderer): which chips a cell or panel shows, in what order, and which suggestion a review action takes.
import type { TagChip } from '$contract';

const STATE_ORDER = { accepted: 0, suggested: 1, rejected: 2 } as const;
/** Decisions first, so a cell's few chips never leave one out: accepted, then rejected, then suggestions. */
const CELL_ORDER = { accepted: 0, rejected: 1, suggested: 2 } as const;

const byScore = (a: TagChip, b: TagChip): number =>
  (b.score ?? 1) - (a.score ?? 1) || a.tag.localeCompare(b.tag);

/** Accepted first, then suggested, then rejected; best score first within each (user tags count as certain). */
export function sortChips(chips: readonly TagChip[]): TagChip[] {
  return [...chips].sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || byScore(a, b));
}

/**
 * A suggestion scoring under the display threshold: noise ("grey <1%") that is hidden unless asked for.
 * Decisions are never hidden, and neither is a tag the user added (it has no score).
 */
export function isLowSuggestion(chip: TagChip, threshold: number): boolean {
  return chip.state === 'suggested' && chip.score !== null && chip.score < threshold;
}

/**
 * What a grid cell shows: every decision (accepted, then rejected, struck through), then the suggestions at or
 * above the threshold, best first; the tag the list is filtered by always leads (it is why the photo is there).
 * `more` counts what did not fit in `max`; `hidden` the suggestions under the threshold.
 */
export function cellChips(
  chips: readonly TagChip[],
  threshold: number,
  max: number,
  focusTag?: string,
): { shown: TagChip[]; more: number; hidden: number } {
  const visible = chips.filter((c) => c.tag === focusTag || !isLowSuggestion(c, threshold));
  const ordered = visible.sort(
    (a, b) =>
      Number(b.tag === focusTag) - Number(a.tag === focusTag) ||
      CELL_ORDER[a.state] - CELL_ORDER[b.state] ||
      byScore(a, b),
  );
  return {
    shown: ordered.slice(0, max),
    more: Math.max(0, ordered.length - max),
    hidden: chips.length - visible.length,
  };
}

/**
 * The photo's best suggestion still waiting for review, at or above the display threshold: what "Accept top
 * tag" and "Reject top tag" act on. Never a rejected tag, never one the window hides.
 */
export function topSuggestion(chips: readonly TagChip[], threshold = 0): TagChip | undefined {
  return sortChips(chips).find((c) => c.state === 'suggested' && !isLowSuggestion(c, threshold));
}

export function chipFor(chips: readonly TagChip[], tag: string): TagChip | undefined {
  return chips.find((c) => c.tag === tag);
}

export const STATE_LABEL = { suggested: 'suggested', accepted: 'accepted', rejected: 'rejected' } as const;
