// Streaming export of the library (engine process): images with their chosen predictions and tags, page by page.

import type { Prediction } from '../../shared/results.js';
import type { ExportFilter, ExportImage, ImageStatus } from './library-types.js';
import { type PairRole, partnersOf, shownCondition } from './pairs.js';
import { ALL_PATHS, folderRanges, type PathRange } from './path-prefix.js';
import { toErrorCode, toTag, type DbTag } from './row-mappers.js';
import { asBuffer, jsonList, type SqlDb, type SqlParams, type SqlValue } from './sql-db.js';
import { tagHitCondition } from './tags-repo.js';

/**
 * Images per page. Pages rather than one long-lived cursor: memory stays bounded for any library size,
 * no statement is left open (and no read snapshot pinned, which would stall WAL checkpoints) while the
 * caller awaits slow file writes, and a consumer that stops early leaves nothing behind: libsql's
 * iterator has no return() to close it.
 */
const PAGE_SIZE = 500;

interface DbExportRow {
  id: number;
  path: unknown;
  display: string;
  status: ImageStatus;
  error_code: string | null;
  error_message: string | null;
  sha256: string | null;
  size: number | null;
  format: string | null;
  width: number | null;
  height: number | null;
  model_id: number | null;
  model_name: string | null;
  provider: string | null;
  classified_at: string | null;
}

interface DbPrediction {
  image_id: number;
  model_id: number;
  class_index: number;
  wnid: string;
  name: string;
  score: number;
}

/**
 * Matching images in byte-wise path order. Each path range (the whole library, or the pieces of a folder)
 * is keyset-paged on the path index, so every page is one index seek and writes between pages are fine.
 */
export function* exportImages(
  db: SqlDb,
  filter: ExportFilter,
  pairPrimary: PairRole = 'raw',
): Generator<ExportImage, void, undefined> {
  if (filter.imageIds?.length === 0) return;
  const ranges = filter.folder === undefined ? ALL_PATHS : folderRanges(filter.folder);
  // Bound once: a selection can be 100k ids, and every page needs them.
  const ids = filter.imageIds === undefined ? null : jsonList(filter.imageIds);
  for (const range of ranges) {
    let after: Buffer | null = null;
    for (;;) {
      const { sql, params } = pageQuery(filter, ids, range, after, pairPrimary);
      const rows = db.all<DbExportRow>(sql, params);
      if (rows.length > 0) yield* withDetails(db, rows);
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < PAGE_SIZE) break;
      after = asBuffer(last.path);
    }
  }
}

/** One page: a single range condition on i.path (two would make SQLite pick one and scan past the other). */
function pageQuery(
  filter: ExportFilter,
  ids: string | null,
  range: PathRange,
  after: Buffer | null,
  pairPrimary: PairRole,
): { sql: string; params: SqlParams } {
  // One row per photo: the shown half of a RAW+JPEG pair, naming the other in `companions`.
  const where: string[] = [shownCondition('i', pairPrimary)];
  const params: Record<string, SqlValue> = {};
  if (after !== null) {
    where.push('i.path > :after');
    params.after = after;
  } else if (range.lo.length > 0) {
    where.push('i.path >= :lo');
    params.lo = range.lo;
  }
  if (range.hi !== null) {
    where.push('i.path < :hi');
    params.hi = range.hi;
  }
  if (ids !== null) {
    // A selection that fits in one page is fetched by id and sorted. A larger one walks the path index
    // page by page, testing each image against the id set ("+" keeps SQLite from fetching every listed id
    // and sorting them all again for each page, which is quadratic in the selection).
    const small = (filter.imageIds?.length ?? 0) <= PAGE_SIZE;
    where.push(`${small ? '' : '+'}i.id IN (SELECT value FROM json_each(:ids))`);
    params.ids = ids;
  }
  if (filter.tag !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM tags t WHERE t.image_id = i.id AND ${tagHitCondition('t', false)})`);
    params.tag = filter.tag;
    params.min_score = filter.minScore ?? 0;
  }
  // The requested model, else the image's latest classification.
  let modelChoice = `(SELECT c2.model_id FROM classifications c2 WHERE c2.image_id = i.id
      ORDER BY c2.classified_at DESC, c2.model_id DESC LIMIT 1)`;
  if (filter.modelId !== undefined) {
    modelChoice = ':model_id';
    params.model_id = filter.modelId;
  }
  const sql = `SELECT i.id, i.path, i.display, i.status, i.error_code, i.error_message, i.sha256, i.size,
      i.format, i.width, i.height, c.model_id, m.name AS model_name, c.provider, c.classified_at
    FROM images i
    LEFT JOIN classifications c ON c.image_id = i.id AND c.model_id = ${modelChoice}
    LEFT JOIN models m ON m.id = c.model_id
    WHERE ${where.join(' AND ')}
    ORDER BY i.path LIMIT ${PAGE_SIZE}`;
  return { sql, params };
}

/** Predictions and tags of one page in two queries, grouped by image. */
function withDetails(db: SqlDb, rows: readonly DbExportRow[]): ExportImage[] {
  const ids = { ids: jsonList(rows.map((r) => r.id)) };
  const predictions = groupBy(
    db.all<DbPrediction>(
      `SELECT image_id, model_id, class_index, wnid, name, score FROM predictions
       WHERE image_id IN (SELECT value FROM json_each(:ids)) ORDER BY image_id, model_id, rank`,
      ids,
    ),
  );
  const companions = partnersOf(
    db,
    rows.map((r) => r.id),
  );
  const tags = groupBy(
    db.all<DbTag & { image_id: number }>(
      `SELECT image_id, tag, source, state, score FROM tags
       WHERE image_id IN (SELECT value FROM json_each(:ids))
       ORDER BY image_id, CASE state WHEN 'accepted' THEN 0 WHEN 'suggested' THEN 1 ELSE 2 END,
                COALESCE(score, 1.0) DESC, tag`,
      ids,
    ),
  );
  return rows.map((row) => {
    const imageTags = (tags.get(row.id) ?? []).map(toTag);
    return {
      imageId: row.id,
      path: row.display,
      status: row.status,
      errorCode: toErrorCode(row.error_code),
      errorMessage: row.error_message,
      sha256: row.sha256,
      size: row.size,
      format: row.format,
      width: row.width,
      height: row.height,
      modelName: row.model_name,
      provider: row.provider,
      classifiedAt: row.classified_at,
      predictions: (predictions.get(row.id) ?? [])
        .filter((p) => p.model_id === row.model_id)
        .map((p): Prediction => ({ index: p.class_index, label: p.name, wnid: p.wnid, score: p.score })),
      acceptedTags: imageTags.filter((t) => t.state === 'accepted').map((t) => t.tag),
      rejectedTags: imageTags.filter((t) => t.state === 'rejected').map((t) => t.tag),
      tags: imageTags,
      companions: companions.get(row.id) ?? [],
    };
  });
}

function groupBy<T extends { image_id: number }>(rows: readonly T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const row of rows) {
    const group = groups.get(row.image_id);
    if (group) group.push(row);
    else groups.set(row.image_id, [row]);
  }
  return groups;
}
