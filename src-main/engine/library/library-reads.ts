// Read-only views of the library (engine process): totals for `skiptag status` and the overview, folder cards, tag counts, one photo's details, recent errors.

import path from 'node:path';
import type { FolderInfo } from '../../shared/contract.js';
import {
  type FolderRow,
  IMAGE_STATUSES,
  type ImageDetailRow,
  type ImageStatus,
  type RecordedError,
  type StatusCounts,
  type TagCount,
} from './library-types.js';
import { folderRangeSql } from './path-prefix.js';
import { type DbImage, IMAGE_COLUMNS, toErrorCode, toImage } from './row-mappers.js';
import type { SqlDb, SqlValue } from './sql-db.js';
import { hiddenIdsSql, type PairRole, partnersOf, shownCondition } from './pairs.js';
import { tagChips } from './image-query.js';

/** Counted by path range like the grid's folder filter, so a card's number is what clicking it shows. */
export function folderInfo(db: SqlDb, folder: FolderRow, pairPrimary: PairRole = 'raw'): FolderInfo {
  const params: Record<string, SqlValue> = {};
  const under = folderRangeSql(folder.path, 'path', params);
  const count = db.get<{ n: number }>(
    `SELECT count(*) AS n FROM images WHERE ${under} AND status <> 'missing'
       AND ${shownCondition('images', pairPrimary)}`,
    params,
  );
  return {
    id: folder.id,
    path: folder.display,
    watched: folder.watched,
    imageCount: count?.n ?? 0,
    lastScanAt: folder.lastScanAt,
  };
}

/** Tags in use (suggested or accepted) on photos that are present (one per RAW+JPEG pair), most used first. */
export function tagCounts(db: SqlDb, pairPrimary: PairRole = 'raw'): TagCount[] {
  return db.all<TagCount>(
    `SELECT tag, count(*) AS count FROM tags
     WHERE state <> 'rejected'
       AND image_id NOT IN (SELECT id FROM images WHERE status = 'missing' UNION ${hiddenIdsSql(pairPrimary)})
     GROUP BY tag ORDER BY count DESC, tag`,
  );
}

interface DbClassification {
  model_id: number;
  model_name: string;
  provider: string;
  classified_at: string;
}

/** The photo with its latest classification's predictions (the model whose tags it shows), or undefined. */
export function imageDetail(db: SqlDb, imageId: number): ImageDetailRow | undefined {
  const row = db.get<DbImage>(`SELECT ${IMAGE_COLUMNS} FROM images WHERE id = :id`, { id: imageId });
  if (row === undefined) return undefined;
  const image = toImage(row);
  const taken = db.get<{ taken_at: string | null }>('SELECT taken_at FROM images WHERE id = :id', {
    id: imageId,
  });
  const latest = db.get<DbClassification>(
    `SELECT c.model_id, m.name AS model_name, c.provider, c.classified_at
     FROM classifications c JOIN models m ON m.id = c.model_id
     WHERE c.image_id = :id ORDER BY c.classified_at DESC, c.model_id DESC LIMIT 1`,
    { id: imageId },
  );
  const predictions =
    latest === undefined
      ? []
      : db.all<{ label: string; wnid: string; score: number; rank: number }>(
          `SELECT name AS label, wnid, score, rank FROM predictions
           WHERE image_id = :id AND model_id = :model_id ORDER BY rank`,
          { id: imageId, model_id: latest.model_id },
        );
  return {
    id: image.id,
    path: image.display,
    name: path.basename(image.display),
    folderId: image.folderId,
    status: image.status,
    width: image.width,
    height: image.height,
    tags: tagChips(db, [image.id]).get(image.id) ?? [],
    companions: (partnersOf(db, [image.id]).get(image.id) ?? []).map((p) => path.basename(p)),
    size: image.size,
    format: image.format,
    sha256: image.sha256,
    errorCode: image.errorCode,
    errorMessage: image.errorMessage,
    takenAt: taken?.taken_at ?? null,
    model: latest?.model_name ?? null,
    provider: latest?.provider ?? null,
    classifiedAt: latest?.classified_at ?? null,
    predictions: predictions.map((p) => ({ label: p.label, wnid: p.wnid, score: p.score, rank: p.rank })),
  };
}

/** Photos that failed (error or crashed), most recently changed first, with when that was. */
export function recordedErrors(db: SqlDb, limit: number): RecordedError[] {
  return db
    .all<{
      id: number;
      display: string;
      error_code: string | null;
      error_message: string | null;
      updated_at: string;
    }>(
      `SELECT id, display, error_code, error_message, updated_at FROM images
       WHERE status IN ('error', 'crashed') ORDER BY updated_at DESC, id DESC LIMIT :limit`,
      { limit },
    )
    .map((row) => ({
      imageId: row.id,
      path: row.display,
      code: toErrorCode(row.error_code) ?? 'internal',
      message: row.error_message ?? 'could not be classified',
      at: row.updated_at,
    }));
}

export function statusCounts(db: SqlDb): StatusCounts {
  const byStatus = Object.fromEntries(IMAGE_STATUSES.map((s) => [s, 0])) as Record<ImageStatus, number>;
  let images = 0;
  // Each count is answered from an index alone (images_by_status, tags_decided, the tags primary key).
  for (const row of db.all<{ status: ImageStatus; n: number }>(
    'SELECT status, count(*) AS n FROM images GROUP BY status',
  )) {
    byStatus[row.status] = row.n;
    images += row.n;
  }
  const folders = db.get<{ n: number }>('SELECT count(*) AS n FROM folders')?.n ?? 0;
  // "WHERE state <> 'suggested'" must stay literally so: it is what lets SQLite use the partial index.
  const decided = db.get<{ accepted: number | null; rejected: number | null }>(
    `SELECT sum(state = 'accepted') AS accepted, sum(state = 'rejected') AS rejected
     FROM tags WHERE state <> 'suggested'`,
  );
  const tagged = db.get<{ n: number }>(
    `SELECT count(*) AS n FROM images
     WHERE EXISTS (SELECT 1 FROM tags WHERE tags.image_id = images.id AND tags.state <> 'rejected')`,
  );
  return {
    folders,
    images,
    byStatus,
    tagged: tagged?.n ?? 0,
    acceptedTags: decided?.accepted ?? 0,
    rejectedTags: decided?.rejected ?? 0,
  };
}
