// The photo grid's query (engine process): filter by folder, tag and score band, review state and text; paged, with a total.

import path from 'node:path';
import type { TagChip } from '../../shared/contract.js';
import type { GridFilter, ImageStatus, PagedImages } from './library-types.js';
import { type PairRole, partnersOf, shownCondition } from './pairs.js';
import { folderRanges } from './path-prefix.js';
import { asBuffer, jsonList, type SqlDb, type SqlValue } from './sql-db.js';
import { tagHitCondition } from './tags-repo.js';

interface FilterSql {
  /** "FROM images i …" with the joins the filter needs. */
  from: string;
  where: string;
  params: Record<string, SqlValue>;
  order: string;
}

/**
 * Missing images (files gone since the last scan, kept in case they return) are never listed: there is
 * nothing to show. A tag filter lists best score first; everything else is in path order, which the path
 * index gives without sorting, so a page deep into 100k photos costs one index walk.
 */
function filterSql(db: SqlDb, filter: GridFilter, pairPrimary: PairRole): FilterSql | null {
  const where: string[] = [];
  const params: Record<string, SqlValue> = {};
  let from = 'FROM images i';
  let order = 'i.path';
  if (filter.folderId !== undefined) {
    const folder = db.get<{ path: unknown }>('SELECT path FROM folders WHERE id = :id', {
      id: filter.folderId,
    });
    if (folder === undefined) return null;
    // "At or under the folder" by path, not folder_id: a photo first found through a parent folder keeps
    // that parent's id when a subfolder is added later, and these ranges are single seeks on the path index.
    const ranges = folderRanges(asBuffer(folder.path)).map((range, i) => {
      params[`lo${i}`] = range.lo;
      if (range.hi === null) return `i.path >= :lo${i}`;
      params[`hi${i}`] = range.hi;
      return `(i.path >= :lo${i} AND i.path < :hi${i})`;
    });
    where.push(`(${ranges.join(' OR ')})`);
  }
  if (filter.tag !== undefined) {
    const withMax = filter.maxScore !== undefined;
    from += ` JOIN tags t ON t.image_id = i.id AND ${tagHitCondition('t', withMax)}`;
    params.tag = filter.tag;
    params.min_score = filter.minScore ?? 0;
    if (withMax) params.max_score = filter.maxScore ?? 1;
    order = 'COALESCE(t.score, 1.0) DESC, i.id';
  }
  where.push(reviewCondition(filter.review));
  // One photo per RAW+JPEG pair: the half the user's setting names (the other when that one is gone).
  where.push(shownCondition('i', pairPrimary));
  const text = filter.text?.trim();
  if (text) {
    where.push(`i.display LIKE :text ESCAPE '\\'`);
    params.text = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  }
  return { from, where: where.join(' AND '), params, order };
}

function reviewCondition(review: GridFilter['review']): string {
  const has = (states: string) =>
    `EXISTS (SELECT 1 FROM tags x WHERE x.image_id = i.id AND x.state IN (${states}))`;
  switch (review) {
    case 'all':
      return `i.status <> 'missing'`;
    case 'untagged':
      return `i.status = 'ok' AND NOT ${has(`'suggested', 'accepted'`)}`;
    case 'needs-review':
      return `i.status <> 'missing' AND ${has(`'suggested'`)} AND NOT ${has(`'accepted'`)}`;
    case 'errors':
      return `i.status IN ('error', 'crashed')`;
  }
}

interface DbSummary {
  id: number;
  display: string;
  folder_id: number | null;
  status: ImageStatus;
  width: number | null;
  height: number | null;
}

export function queryImages(
  db: SqlDb,
  filter: GridFilter,
  page: { offset: number; limit: number },
  pairPrimary: PairRole = 'raw',
): PagedImages {
  const sql = filterSql(db, filter, pairPrimary);
  if (sql === null) return { total: 0, items: [] };
  const total =
    db.get<{ n: number }>(`SELECT count(*) AS n ${sql.from} WHERE ${sql.where}`, sql.params)?.n ?? 0;
  if (total === 0 || page.offset >= total) return { total, items: [] };
  const rows = db.all<DbSummary>(
    `SELECT i.id, i.display, i.folder_id, i.status, i.width, i.height ${sql.from} WHERE ${sql.where}
     ORDER BY ${sql.order} LIMIT :limit OFFSET :offset`,
    { ...sql.params, limit: page.limit, offset: page.offset },
  );
  const ids = rows.map((r) => r.id);
  const chips = tagChips(db, ids);
  const partners = partnersOf(db, ids);
  return {
    total,
    items: rows.map((row) => ({
      id: row.id,
      path: row.display,
      name: path.basename(row.display),
      folderId: row.folder_id,
      status: row.status,
      width: row.width,
      height: row.height,
      tags: chips.get(row.id) ?? [],
      companions: (partners.get(row.id) ?? []).map((p) => path.basename(p)),
    })),
  };
}

/** Every image id the filter matches, in id order (exports of "what the grid shows"). */
export function matchingImageIds(db: SqlDb, filter: GridFilter, pairPrimary: PairRole = 'raw'): number[] {
  const sql = filterSql(db, filter, pairPrimary);
  if (sql === null) return [];
  return db
    .all<{ id: number }>(`SELECT i.id ${sql.from} WHERE ${sql.where} ORDER BY i.id`, sql.params)
    .map((r) => r.id);
}

/** Tags of a page of images in one query: accepted, then suggested, then rejected; best score first. */
export function tagChips(db: SqlDb, imageIds: readonly number[]): Map<number, TagChip[]> {
  const chips = new Map<number, TagChip[]>();
  if (imageIds.length === 0) return chips;
  const rows = db.all<TagChip & { image_id: number }>(
    `SELECT image_id, tag, source, state, score FROM tags WHERE image_id IN (SELECT value FROM json_each(:ids))
     ORDER BY image_id, CASE state WHEN 'accepted' THEN 0 WHEN 'suggested' THEN 1 ELSE 2 END,
              COALESCE(score, 1.0) DESC, tag`,
    { ids: jsonList(imageIds) },
  );
  for (const row of rows) {
    const chip: TagChip = { tag: row.tag, score: row.score, state: row.state, source: row.source };
    const list = chips.get(row.image_id);
    if (list) list.push(chip);
    else chips.set(row.image_id, [chip]);
  }
  return chips;
}
