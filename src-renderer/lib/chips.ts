// Tag chip helpers (renderer): ordering and picking chips for display and for review actions.
import type { TagChip } from '$contract';

const STATE_ORDER = { accepted: 0, suggested: 1, rejected: 2 } as const;

/** Accepted first, then suggested, then rejected; best score first within each (user tags count as certain). */
export function sortChips(chips: readonly TagChip[]): TagChip[] {
  return [...chips].sort(
    (a, b) =>
      STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
      (b.score ?? 1) - (a.score ?? 1) ||
      a.tag.localeCompare(b.tag),
  );
}

/** The image's best suggestion still waiting for review, if any. */
export function topSuggestion(chips: readonly TagChip[]): TagChip | undefined {
  return sortChips(chips).find((c) => c.state === 'suggested');
}

export function chipFor(chips: readonly TagChip[], tag: string): TagChip | undefined {
  return chips.find((c) => c.tag === tag);
}

export const STATE_LABEL = { suggested: 'suggested', accepted: 'accepted', rejected: 'rejected' } as const;
