// Tests for the selection store (renderer): click, shift-range, ctrl/cmd toggle, keyboard moves, select all.
import { describe, expect, it } from 'vitest';
import { installFakeSkiptag } from '../../test-support/fake-skiptag';
import { images } from './images.svelte';
import { selection } from './selection.svelte';

async function list(count: number): Promise<void> {
  installFakeSkiptag({ count });
  await images.reload();
}

const selected = (): number[] => [...selection.ids].sort((a, b) => a - b);

describe('selection', () => {
  it('a plain click selects one photo and sets the anchor', async () => {
    await list(20);
    await selection.click(3, 4);
    await selection.click(5, 6);
    expect(selected()).toEqual([6]);
    expect(selection.anchor).toBe(5);
    expect(selection.cursor).toBe(5);
  });

  it('shift-click selects the range from the anchor, in either direction', async () => {
    await list(20);
    await selection.click(5, 6);
    await selection.click(8, 9, { shift: true });
    expect(selected()).toEqual([6, 7, 8, 9]);
    // The anchor stays: a second shift-click re-draws the range from it.
    await selection.click(2, 3, { shift: true });
    expect(selected()).toEqual([3, 4, 5, 6]);
  });

  it('ctrl/cmd-click toggles one photo and ctrl+shift adds a range', async () => {
    await list(20);
    await selection.click(0, 1);
    await selection.click(4, 5, { toggle: true });
    expect(selected()).toEqual([1, 5]);
    await selection.click(4, 5, { toggle: true });
    expect(selected()).toEqual([1]);
    await selection.click(10, 11, { toggle: true });
    await selection.click(12, 13, { shift: true, toggle: true });
    expect(selected()).toEqual([1, 11, 12, 13]);
  });

  it('keyboard moves select, extend from the anchor, or move the cursor only', async () => {
    await list(20);
    await selection.moveTo(2);
    expect(selected()).toEqual([3]);
    await selection.moveTo(4, 'extend');
    expect(selected()).toEqual([3, 4, 5]);
    await selection.moveTo(9, 'keep');
    expect(selection.cursor).toBe(9);
    expect(selected()).toEqual([3, 4, 5]);
    await selection.toggleAt(9);
    expect(selected()).toEqual([3, 4, 5, 10]);
    await selection.moveTo(500);
    expect(selection.cursor).toBe(19);
  });

  it('select all takes every photo of the filter, fetching pages not seen yet', async () => {
    await list(2_345);
    await selection.selectAll();
    expect(selection.count).toBe(2_345);
    images.setFilter({ tag: 'red' });
    expect(selection.count).toBe(0);
  });
});
