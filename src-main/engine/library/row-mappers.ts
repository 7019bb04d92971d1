// Database rows → API objects (engine process): field by field, so libsql's extra keys never leak out.

import { FILE_ERROR_CODES, type FileErrorCode } from '../../shared/file-errors.js';
import type { FolderRow, ImageRow, ImageStatus, JobRow, JobState, TagRow } from './library-types.js';
import { asBuffer } from './sql-db.js';

export interface DbFolder {
  id: number;
  path: unknown;
  display: string;
  watched: number;
  added_at: string;
  last_scan_at: string | null;
}

export interface DbImage {
  id: number;
  folder_id: number | null;
  path: unknown;
  display: string;
  size: number | null;
  mtime_ms: number | null;
  dev_ino: string | null;
  sha256: string | null;
  format: string | null;
  width: number | null;
  height: number | null;
  status: ImageStatus;
  error_code: string | null;
  error_message: string | null;
  last_seen_scan: number | null;
  crash_count: number;
  first_seen_at: string;
  updated_at: string;
}

export interface DbTag {
  tag: string;
  source: TagRow['source'];
  state: TagRow['state'];
  score: number | null;
}

export interface DbJob {
  id: number;
  kind: string;
  state: JobState;
  params: string;
  total: number;
  done: number;
  failed: number;
  created_at: string;
  updated_at: string;
}

export const IMAGE_COLUMNS =
  'id, folder_id, path, display, size, mtime_ms, dev_ino, sha256, format, width, height, status, ' +
  'error_code, error_message, last_seen_scan, crash_count, first_seen_at, updated_at';

export function toFolder(row: DbFolder): FolderRow {
  return {
    id: row.id,
    path: asBuffer(row.path),
    display: row.display,
    watched: row.watched === 1,
    addedAt: row.added_at,
    lastScanAt: row.last_scan_at,
  };
}

export function toImage(row: DbImage): ImageRow {
  return {
    id: row.id,
    folderId: row.folder_id,
    path: asBuffer(row.path),
    display: row.display,
    size: row.size,
    mtimeMs: row.mtime_ms,
    devIno: row.dev_ino,
    sha256: row.sha256,
    format: row.format,
    width: row.width,
    height: row.height,
    status: row.status,
    errorCode: toErrorCode(row.error_code),
    errorMessage: row.error_message,
    lastSeenScan: row.last_seen_scan,
    crashCount: row.crash_count,
    firstSeenAt: row.first_seen_at,
    updatedAt: row.updated_at,
  };
}

export function toTag(row: DbTag): TagRow {
  return { tag: row.tag, source: row.source, state: row.state, score: row.score };
}

export function toJob(row: DbJob): JobRow {
  return {
    id: row.id,
    kind: row.kind,
    state: row.state,
    params: JSON.parse(row.params) as unknown,
    total: row.total,
    done: row.done,
    failed: row.failed,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A code written by a newer version that this one does not know is reported as internal, not passed on. */
export function toErrorCode(code: string | null): FileErrorCode | null {
  if (code === null) return null;
  return (FILE_ERROR_CODES as readonly string[]).includes(code) ? (code as FileErrorCode) : 'internal';
}
