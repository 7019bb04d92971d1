// Folder filters on raw path bytes (engine process): "at or under this folder" as index-friendly BLOB ranges.

import type { SqlValue } from './sql-db.js';

/** Bytes that separate path components: both slashes on Windows, only "/" elsewhere ("\" is a name byte). */
export function pathSeparators(platform: NodeJS.Platform = process.platform): readonly number[] {
  return platform === 'win32' ? [0x5c, 0x2f] : [0x2f];
}

/** Paths p with lo ≤ p < hi, compared byte-wise; hi null means no upper bound. */
export interface PathRange {
  lo: Buffer;
  hi: Buffer | null;
}

/** Every path: one unbounded range. */
export const ALL_PATHS: readonly PathRange[] = [{ lo: Buffer.alloc(0), hi: null }];

/**
 * The folder itself and every path under it, on a component boundary: "/photos" covers "/photos" and
 * "/photos/a.jpg", never "/photos2/a.jpg". SQLite compares BLOBs byte-wise (memcmp), so "starts with
 * P + separator" is the range [P + sep, P + (sep + 1)), and the folder itself is [P, P + 0x00). The ranges
 * come back sorted and disjoint, so reading them one after the other yields path order; each is a single
 * range on the path index, for any bytes, UTF-8 or not.
 */
export function folderRanges(folder: Buffer, separators: readonly number[] = pathSeparators()): PathRange[] {
  let end = folder.length;
  while (end > 0 && separators.includes(folder[end - 1] ?? -1)) end -= 1;
  // "/" strips to "" and then covers every absolute path; "C:\" strips to "C:" and covers what is under it.
  const base = folder.subarray(0, end);
  const ranges: PathRange[] = separators.map((sep) => ({
    lo: Buffer.concat([base, Buffer.from([sep])]),
    hi: Buffer.concat([base, Buffer.from([sep + 1])]),
  }));
  if (base.length > 0) ranges.push({ lo: Buffer.from(base), hi: Buffer.concat([base, Buffer.from([0])]) });
  return ranges.sort((a, b) => Buffer.compare(a.lo, b.lo));
}

/** Whether `path` is `folder` itself or lies under it, on a component boundary (the JS twin of folderRanges). */
export function isAtOrUnderFolder(
  folder: Buffer,
  path: Buffer,
  separators: readonly number[] = pathSeparators(),
): boolean {
  let end = folder.length;
  while (end > 0 && separators.includes(folder[end - 1] ?? -1)) end -= 1;
  if (path.length < end || !path.subarray(0, end).equals(folder.subarray(0, end))) return false;
  if (path.length === end) return end > 0;
  return separators.includes(path[end] ?? -1);
}

/** `WHERE`-clause text and parameters for "column in this range" (hi null: no upper bound). */
export function rangeCondition(
  column: string,
  range: PathRange,
): { sql: string; params: { lo: Buffer; hi?: Buffer } } {
  return range.hi === null
    ? { sql: `${column} >= :lo`, params: { lo: range.lo } }
    : { sql: `${column} >= :lo AND ${column} < :hi`, params: { lo: range.lo, hi: range.hi } };
}

/**
 * SQL for "column `pathColumn` is at or under `folder`": one OR-ed range per separator, each a single seek on
 * a path index. The bounds are added to `params` as :lo0, :hi0, ….
 */
export function folderRangeSql(folder: Buffer, pathColumn: string, params: Record<string, SqlValue>): string {
  const ranges = folderRanges(folder).map((range, i) => {
    params[`lo${i}`] = range.lo;
    if (range.hi === null) return `${pathColumn} >= :lo${i}`;
    params[`hi${i}`] = range.hi;
    return `(${pathColumn} >= :lo${i} AND ${pathColumn} < :hi${i})`;
  });
  return `(${ranges.join(' OR ')})`;
}
