// Tests for tag chips (renderer): each state is told apart by icon, line style and text, not by colour alone.
import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import TagChip from './TagChip.svelte';

describe('TagChip', () => {
  it('shows the tag, its score and its state', () => {
    render(TagChip, { chip: { tag: 'red', score: 0.873, state: 'suggested', source: 'auto' } });
    const chip = screen.getByTitle('red, suggested, 87%');
    expect(chip.textContent).toContain('red');
    expect(chip.textContent).toContain('87%');
    expect(chip.textContent).toContain('(suggested)');
    expect(chip.dataset.state).toBe('suggested');
  });

  it('draws accepted, suggested and rejected with different icons and classes', () => {
    const chip = (state: 'accepted' | 'suggested' | 'rejected'): Element | null =>
      render(TagChip, { chip: { tag: state, score: 0.5, state, source: 'auto' } }).container.querySelector(
        '.chip',
      );
    const icon = (el: Element | null): string | null | undefined =>
      el?.querySelector('path')?.getAttribute('d');
    const [accepted, suggested, rejected] = [chip('accepted'), chip('suggested'), chip('rejected')];
    expect(new Set([icon(accepted), icon(suggested), icon(rejected)]).size).toBe(3);
    expect(accepted?.classList.contains('accepted')).toBe(true);
    expect(rejected?.classList.contains('rejected')).toBe(true);
    expect(rejected?.textContent).toContain('(rejected)');
  });

  it('marks a tag the user added and leaves out the score it does not have', () => {
    render(TagChip, { chip: { tag: 'holiday', score: null, state: 'accepted', source: 'user' } });
    const chip = screen.getByTitle('holiday, accepted, added by you');
    expect(chip.textContent).not.toContain('%');
  });
});
