// The photo grid's query (engine process): filter by folder (and subfolder), tag and score band, review state and name; sorted, paged, with a total.

import path from 'node:path';
import type { TagChip } from '../../shared/contract.js';
import type { GridFilter, GridSort, ImageStatus, PagedImages } from './library-types.js';
import { type PairRole, partnersOf, shownCondition } from './pairs.js';
import { folderRangeSql, pathSeparators } from './path-prefix.js';
import { subfolderPath } from './review-queries.js';
import { type DbFolder, toErrorCode, toFolder } from './row-mappers.js';
import { jsonList, type SqlDb, type SqlValue } from './sql-db.js';
import { tagHitCondition } from './tags-repo.js';

interface FilterSql {
  /** "FROM images i …" with the joins the filter needs. */
  from: string;
  where: string;
  params: Record<string, SqlValue>;
  /** Whether a tag filter joined the tag as `t` (its score can order the list). */
  tagJoined: boolean;
  /** Whether an id list joined as `o` (its order is the list's default order). */
  listed: boolean;
}

/**
 * Missing images (files gone since the last scan, kept in case they return) are never listed: there is
 * nothing to show.
 */
function filterSql(db: SqlDb, filter: GridFilter, pairPrimary: PairRole): FilterSql | null {
  const where: string[] = [];
  const params: Record<string, SqlValue> = {};
  let from = 'FROM images i';
  if (filter.imageIds !== undefined) {
    // An ordered list from the service (similar photos, near duplicates): o.key is each id's position.
    from += ' JOIN json_each(:image_ids) o ON o.value = i.id';
    params.image_ids = jsonList(filter.imageIds);
  }
  if (filter.folderId !== undefined) {
    const folder = db.get<DbFolder>(`SELECT * FROM folders WHERE id = :id`, {
      id: filter.folderId,
    });
    if (folder === undefined) return null;
    const root = toFolder(folder);
    const under = filter.subfolder === undefined ? root.path : subfolderPath(root, filter.subfolder);
    if (under === null) return null;
    // "At or under the folder" by path, not folder_id: a photo first found through a parent folder keeps
    // that parent's id when a subfolder is added later, and these ranges are single seeks on the path index.
    where.push(folderRangeSql(under, 'i.path', params));
  }
  if (filter.tag !== undefined) {
    const withMax = filter.maxScore !== undefined;
    from += ` JOIN tags t ON t.image_id = i.id AND ${tagHitCondition('t', withMax)}`;
    params.tag = filter.tag;
    params.min_score = filter.minScore ?? 0;
    if (withMax) params.max_score = filter.maxScore ?? 1;
  }
  where.push(reviewCondition(filter.review));
  // One photo per RAW+JPEG pair: the half the user's setting names (the other when that one is gone).
  where.push(shownCondition('i', pairPrimary));
  if (filter.review === 'untagged' || filter.review === 'needs-review') {
    params.suggestion_min = filter.suggestionMin ?? 0;
  }
  const text = filter.text?.trim();
  if (text) {
    // The name is what follows the last separator; rtrim with every other character of the path leaves
    // the folder part, whose length is where the name starts.
    const others = pathSeparators().reduce(
      (expr, byte) => `replace(${expr}, '${String.fromCharCode(byte).replace("'", "''")}', '')`,
      'i.display',
    );
    const name = `substr(i.display, length(rtrim(i.display, ${others})) + 1)`;
    // The whole path first: a cheap test that leaves the name's string work to the few paths that match.
    where.push(`i.display LIKE :text ESCAPE '\\'`);
    if (filter.textIn !== 'path') where.push(`${name} LIKE :text ESCAPE '\\'`);
    params.text = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  }
  return {
    from,
    where: where.join(' AND '),
    params,
    tagJoined: filter.tag !== undefined,
    listed: filter.imageIds !== undefined,
  };
}

/**
 * SQL order for a sort. Path order (the default) is what the path index gives without sorting, so a page
 * deep into 100k photos costs one index walk; the others sort the matches once per page. Photos without a
 * date taken come last either way.
 */
function orderSql(sort: GridSort | undefined, tagJoined: boolean): string {
  const by = sort?.by ?? (tagJoined ? 'score' : 'name');
  const desc = sort?.descending ?? by === 'score';
  const dir = desc ? 'DESC' : 'ASC';
  switch (by) {
    case 'score':
      if (tagJoined) return `COALESCE(t.score, 1.0) ${dir}, i.id`;
      return `i.path ${dir}`;
    case 'taken':
      return `i.taken_at IS NULL, i.taken_at ${dir}, i.id ${dir}`;
    case 'added':
      // Ids grow as photos are found: the order photos were added in, with no sort needed.
      return `i.id ${dir}`;
    case 'name':
      return `i.path ${dir}`;
  }
}

function reviewCondition(review: GridFilter['review']): string {
  const has = (condition: string) =>
    `EXISTS (SELECT 1 FROM tags x WHERE x.image_id = i.id AND (${condition}))`;
  const visible = `x.state = 'suggested' AND COALESCE(x.score, 1.0) >= :suggestion_min`;
  switch (review) {
    case 'all':
      return `i.status <> 'missing'`;
    case 'untagged':
      return `i.status = 'ok' AND NOT ${has(`x.state = 'accepted' OR (${visible})`)}`;
    case 'needs-review':
      return `i.status <> 'missing' AND ${has(visible)} AND NOT ${has(`x.state = 'accepted'`)}`;
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
  error_code: string | null;
  taken_at: string | null;
}

export function queryImages(
  db: SqlDb,
  filter: GridFilter,
  page: { offset: number; limit: number },
  pairPrimary: PairRole = 'raw',
  sort?: GridSort,
): PagedImages {
  const sql = filterSql(db, filter, pairPrimary);
  if (sql === null) return { total: 0, items: [] };
  const total =
    db.get<{ n: number }>(`SELECT count(*) AS n ${sql.from} WHERE ${sql.where}`, sql.params)?.n ?? 0;
  if (total === 0 || page.offset >= total) return { total, items: [] };
  const rows = db.all<DbSummary>(
    `SELECT i.id, i.display, i.folder_id, i.status, i.width, i.height, i.error_code, i.taken_at
     ${sql.from} WHERE ${sql.where}
     ORDER BY ${sql.listed && !sort ? 'o.key' : orderSql(sort, sql.tagJoined)} LIMIT :limit OFFSET :offset`,
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
      errorCode: row.status === 'error' || row.status === 'crashed' ? toErrorCode(row.error_code) : null,
      takenAt: row.taken_at,
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
