// Unit tests for the virtual grid geometry (renderer).
import { describe, expect, it } from 'vitest';
import { rowsPerPage, scrollToReveal, visibleRange } from './grid-math';

const base = { cellWidth: 100, rowHeight: 100, overscan: 1, width: 500, height: 300 };

describe('visibleRange', () => {
  it('covers the rows in view plus overscan, clamped to the list', () => {
    const r = visibleRange({ ...base, total: 100_000, scrollTop: 1000 });
    expect(r).toMatchObject({ columns: 5, rowCount: 20_000, firstRow: 9, endRow: 14, start: 45, end: 70 });
  });

  it('stops at the last item', () => {
    const r = visibleRange({ ...base, total: 12, scrollTop: 0 });
    expect(r).toMatchObject({ columns: 5, rowCount: 3, firstRow: 0, endRow: 3, start: 0, end: 12 });
  });

  it('keeps at least one column and handles an empty list', () => {
    expect(visibleRange({ ...base, width: 10, total: 3, scrollTop: 0 }).columns).toBe(1);
    expect(visibleRange({ ...base, total: 0, scrollTop: 0 })).toMatchObject({
      start: 0,
      end: 0,
      rowCount: 0,
    });
  });
});

describe('scrolling helpers', () => {
  it('scrolls just enough to reveal a row', () => {
    expect(scrollToReveal(0, 250, 300, 100)).toBe(0);
    expect(scrollToReveal(3, 0, 300, 100)).toBe(100);
    expect(scrollToReveal(1, 0, 300, 100)).toBeNull();
  });

  it('pages by the rows that fit', () => {
    expect(rowsPerPage(350, 100)).toBe(3);
    expect(rowsPerPage(10, 100)).toBe(1);
  });
});
