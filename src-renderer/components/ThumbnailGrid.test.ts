// Tests for the virtual photo grid (renderer): only visible rows render, pages load lazily, mouse and keys select.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { installFakeSkiptag } from '../test-support/fake-skiptag';
import { images } from '../lib/stores/images.svelte';
import { review } from '../lib/stores/review.svelte';
import { selection } from '../lib/stores/selection.svelte';
import { view } from '../lib/stores/view.svelte';
import ThumbnailGrid, { ROW_HEIGHT } from './ThumbnailGrid.svelte';

async function showGrid(count: number) {
  const fake = installFakeSkiptag({ count });
  await images.reload();
  const onopen = vi.fn();
  render(ThumbnailGrid, { onopen });
  const grid = screen.getByRole('grid', { name: 'Photos' });
  await waitFor(() => expect(screen.getAllByRole('gridcell')[0]?.textContent).toContain('p1.jpg'));
  return { fake, grid, onopen };
}

const cellIds = (): number[] => screen.getAllByRole('gridcell').map((c) => Number(c.id.replace('cell-', '')));
const isSelected = (index: number): boolean =>
  document.getElementById(`cell-${index}`)?.getAttribute('aria-selected') === 'true';

describe('ThumbnailGrid', () => {
  it('renders only the visible rows of 100,000 photos and fetches pages as they scroll into view', async () => {
    const { fake, grid } = await showGrid(100_000);
    // 1000×800 viewport: 5 columns of 184px; 4 visible rows + 2 overscan below.
    expect(grid.getAttribute('aria-rowcount')).toBe('20000');
    expect(grid.getAttribute('aria-colcount')).toBe('5');
    expect(screen.getAllByRole('row').length).toBeLessThanOrEqual(8);
    expect(cellIds()).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const canvas = grid.firstElementChild as HTMLElement;
    expect(canvas.style.height).toBe(`${20_000 * ROW_HEIGHT}px`);
    // Only the first page was asked for, not 100,000 photos.
    expect(fake.api.queryImages).toHaveBeenCalledTimes(1);

    grid.scrollTop = 10_000 * ROW_HEIGHT;
    await fireEvent.scroll(grid);
    const ids = cellIds();
    expect(ids.length).toBeLessThanOrEqual(40);
    expect(Math.min(...ids)).toBe(9_998 * 5);
    await waitFor(() => expect(document.getElementById('cell-50000')?.textContent).toContain('p50001.jpg'));
    const offsets = fake.api.queryImages.mock.calls.map(([req]) => req.offset);
    expect(offsets).toContain(49_800);
    expect(offsets.every((o) => o === 0 || (o >= 49_800 && o <= 50_200))).toBe(true);
  });

  it('selects with click, shift-click and ctrl/cmd-click', async () => {
    const { grid } = await showGrid(40);
    const cell = (i: number): HTMLElement => document.getElementById(`cell-${i}`) as HTMLElement;
    await fireEvent.click(cell(1));
    await fireEvent.click(cell(3), { shiftKey: true });
    await waitFor(() => expect([1, 2, 3].every(isSelected)).toBe(true));
    expect(isSelected(0)).toBe(false);
    await fireEvent.click(cell(7), { ctrlKey: true });
    await fireEvent.click(cell(2), { metaKey: true });
    await waitFor(() => expect([1, 3, 7].every(isSelected) && !isSelected(2)).toBe(true));
    expect(document.activeElement).toBe(grid);
  });

  it('moves and selects with the keyboard', async () => {
    const { grid, onopen } = await showGrid(40);
    grid.focus();
    await fireEvent.keyDown(grid, { key: 'ArrowRight' });
    await fireEvent.keyDown(grid, { key: 'ArrowDown' });
    await waitFor(() => expect(selection.cursor).toBe(6));
    expect(grid.getAttribute('aria-activedescendant')).toBe('cell-6');
    await waitFor(() => expect(isSelected(6)).toBe(true));
    await fireEvent.keyDown(grid, { key: 'ArrowRight', shiftKey: true });
    await waitFor(() => expect(isSelected(6) && isSelected(7)).toBe(true));
    await fireEvent.keyDown(grid, { key: 'Enter' });
    expect(onopen).toHaveBeenCalledWith(8);
    await fireEvent.keyDown(grid, { key: 'End' });
    await waitFor(() => expect(selection.cursor).toBe(39));
    await fireEvent.keyDown(grid, { key: 'Home' });
    await waitFor(() => expect(selection.cursor).toBe(0));
    await fireEvent.keyDown(grid, { key: 'a', ctrlKey: true });
    await waitFor(() => expect(selection.count).toBe(40));
  });

  it('accepts and rejects the selection with a and r', async () => {
    const { fake, grid } = await showGrid(6);
    const spy = vi.spyOn(review, 'reviewSelection');
    await fireEvent.click(document.getElementById('cell-0') as HTMLElement);
    await fireEvent.keyDown(grid, { key: 'a' });
    await waitFor(() => expect(fake.chip(1, 'red')?.state).toBe('accepted'));
    await fireEvent.keyDown(grid, { key: 'r' });
    expect(spy).toHaveBeenLastCalledWith('rejected');
  });

  it('shows tag chips as they arrive with the library refresh', async () => {
    const { fake } = await showGrid(3);
    const first = document.getElementById('cell-0') as HTMLElement;
    expect(first.querySelector('[data-tag="red"]')?.getAttribute('data-state')).toBe('suggested');
    const img = fake.images[0];
    if (img) img.tags = [{ tag: 'red', score: 0.9, state: 'accepted', source: 'auto' }];
    images.refresh();
    await waitFor(() =>
      expect(first.querySelector('[data-tag="red"]')?.getAttribute('data-state')).toBe('accepted'),
    );
  });

  it('sizes cells from the view, crops on request, keeps a rejected tag and hides low suggestions', async () => {
    const { fake, grid } = await showGrid(30);
    view.set({ thumbSize: 248, fit: 'crop' });
    // 1000 px wide: 4 columns of 248 px.
    await waitFor(() => expect(grid.getAttribute('aria-colcount')).toBe('4'));
    expect(grid.classList.contains('crop')).toBe(true);
    const img = fake.images[0];
    if (img) img.tags = [{ tag: 'orange', score: 0.94, state: 'rejected', source: 'auto' }, ...img.tags];
    images.refresh();
    const first = document.getElementById('cell-0') as HTMLElement;
    await waitFor(() =>
      expect(first.querySelector('[data-tag="orange"]')?.getAttribute('data-state')).toBe('rejected'),
    );
    // "blue 5%" is under the display threshold: hidden until asked for.
    expect(first.querySelector('[data-tag="blue"]')).toBeNull();
    view.set({ showLow: true });
    await waitFor(() => expect(first.querySelector('[data-tag="blue"]')).not.toBeNull());
  });

  it('opens the details with I and a double-click, the viewer with Enter', async () => {
    const fake = installFakeSkiptag({ count: 3 });
    await images.reload();
    const onopen = vi.fn();
    const ondetails = vi.fn();
    render(ThumbnailGrid, { onopen, ondetails });
    const grid = screen.getByRole('grid', { name: 'Photos' });
    await waitFor(() => expect(screen.getAllByRole('gridcell')).toHaveLength(3));
    await fireEvent.dblClick(document.getElementById('cell-1') as HTMLElement);
    expect(ondetails).toHaveBeenLastCalledWith(2);
    await fireEvent.keyDown(grid, { key: 'i' });
    expect(ondetails).toHaveBeenLastCalledWith(2);
    await fireEvent.keyDown(grid, { key: 'Enter' });
    expect(onopen).toHaveBeenLastCalledWith(2);
    expect(fake.api.queryImages).toHaveBeenCalled();
  });
});
