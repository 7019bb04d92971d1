// Virtual grid geometry (renderer): which rows of fixed-size cells are visible for a scroll position.

export type GridGeometry = {
  total: number;
  width: number;
  height: number;
  scrollTop: number;
  cellWidth: number;
  rowHeight: number;
  /** Rows rendered beyond each edge so fast scrolling does not show blanks. */
  overscan: number;
};

export type VisibleRange = {
  columns: number;
  rowCount: number;
  firstRow: number;
  /** One past the last rendered row. */
  endRow: number;
  /** Item indexes [start, end) covered by the rendered rows. */
  start: number;
  end: number;
};

export function visibleRange(g: GridGeometry): VisibleRange {
  const columns = Math.max(1, Math.floor(g.width / g.cellWidth));
  const rowCount = Math.ceil(g.total / columns);
  const firstVisible = Math.floor(Math.max(0, g.scrollTop) / g.rowHeight);
  const lastVisible = Math.ceil((Math.max(0, g.scrollTop) + Math.max(g.height, g.rowHeight)) / g.rowHeight);
  const firstRow = Math.max(0, Math.min(rowCount, firstVisible - g.overscan));
  const endRow = Math.max(firstRow, Math.min(rowCount, lastVisible + g.overscan));
  return {
    columns,
    rowCount,
    firstRow,
    endRow,
    start: firstRow * columns,
    end: Math.min(g.total, endRow * columns),
  };
}

/** Rows that fit in the viewport, for PageUp/PageDown. */
export function rowsPerPage(height: number, rowHeight: number): number {
  return Math.max(1, Math.floor(height / rowHeight));
}

/** The scrollTop that brings row `row` fully into view, or null when it already is. */
export function scrollToReveal(
  row: number,
  scrollTop: number,
  height: number,
  rowHeight: number,
): number | null {
  const top = row * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + height) return Math.max(0, top + rowHeight - height);
  return null;
}
