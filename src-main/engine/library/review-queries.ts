// Views of the library for reviewing tags in bulk (engine process): per-tag counts by state, score histograms, review-state counts, subfolders.

import path from 'node:path';
import type { FolderRow } from './library-types.js';
import { hiddenIdsSql, type PairRole, shownCondition } from './pairs.js';
import { folderRangeSql, pathSeparators } from './path-prefix.js';
import { jsonList, type SqlDb, type SqlValue } from './sql-db.js';

/**
 * Missing photos (gone since the last scan) are never counted: nothing shows them. Nor is the hidden half of
 * a RAW+JPEG pair: the pair is one photo, counted as the half the grid shows.
 */
function shownTags(primary: PairRole): string {
  return `image_id NOT IN (SELECT id FROM images WHERE status = 'missing' UNION ${hiddenIdsSql(primary)})`;
}

export interface TagStateCounts {
  tag: string;
  /** Suggestions still waiting for a decision, scoring at least the display threshold. */
  suggested: number;
  accepted: number;
  rejected: number;
  /** What filtering the grid by this tag from that threshold lists: suggested or accepted, score ≥ it. */
  photos: number;
}

/**
 * Every tag with a suggestion at or above `minScore`, or a decision: counts by state, most photos first.
 * One pass over the tags_by_tag index (tag, state, score), which holds everything it reads.
 */
export function tagStateCounts(db: SqlDb, minScore: number, primary: PairRole = 'raw'): TagStateCounts[] {
  return db.all<TagStateCounts>(
    `SELECT tag,
       sum(state = 'suggested' AND score >= :min) AS suggested,
       sum(state = 'accepted') AS accepted,
       sum(state = 'rejected') AS rejected,
       sum(state IN ('suggested', 'accepted') AND COALESCE(score, 1.0) >= :min) AS photos
     FROM tags WHERE ${shownTags(primary)}
     GROUP BY tag
     HAVING sum(state = 'suggested' AND score >= :min) + sum(state <> 'suggested') > 0
     ORDER BY photos DESC, accepted DESC, tag`,
    { min: minScore },
  );
}

/** Bins of 1%: bin k counts scores in [k/100, (k+1)/100); a score of exactly 1 counts in the last. */
export const HISTOGRAM_BINS = 100;

export interface ScoreHistogram {
  /** Suggestions (not yet decided) per score bin. */
  bins: number[];
  suggested: number;
  accepted: number;
  rejected: number;
}

/** Scores of the suggestions still waiting for review, for one tag or for all of them, in 1% bins. */
export function scoreHistogram(db: SqlDb, tag: string | null, primary: PairRole = 'raw'): ScoreHistogram {
  const params: Record<string, SqlValue> = tag === null ? {} : { tag };
  const ofTag = tag === null ? '' : 'tag = :tag AND';
  const bins = new Array<number>(HISTOGRAM_BINS).fill(0);
  // Bin k must hold exactly the scores the bulk accept at k% takes (score >= k/100). score * 100 can land a
  // hair below an integer (0.29 * 100 = 28.999…96); the 1e-9 puts it back, and is far finer than any
  // difference between scores that mean something.
  for (const row of db.all<{ k: number; n: number }>(
    `SELECT min(CAST(score * ${HISTOGRAM_BINS} + 1e-9 AS INTEGER), ${HISTOGRAM_BINS - 1}) AS k, count(*) AS n
     FROM tags WHERE ${ofTag} state = 'suggested' AND score IS NOT NULL AND ${shownTags(primary)} GROUP BY k`,
    params,
  )) {
    if (row.k >= 0) bins[row.k] = row.n;
  }
  const decided = db.get<{ accepted: number | null; rejected: number | null }>(
    `SELECT sum(state = 'accepted') AS accepted, sum(state = 'rejected') AS rejected FROM tags
     WHERE ${ofTag} state <> 'suggested' AND ${shownTags(primary)}`,
    params,
  );
  return {
    bins,
    suggested: bins.reduce((sum, n) => sum + n, 0),
    accepted: decided?.accepted ?? 0,
    rejected: decided?.rejected ?? 0,
  };
}

export interface ReviewCounts {
  /** Every photo present (what "All photos" lists). */
  all: number;
  /** With a suggestion at or above the threshold and nothing accepted yet. */
  needsReview: number;
  /** Classified, with nothing accepted and no suggestion at or above the threshold. */
  untagged: number;
  /** Could not be read or decoded, or crashed the decoder. */
  errors: number;
  /** Found but not classified yet. */
  pending: number;
}

/**
 * The counts of the grid's review filters, with the same conditions (image-query.ts's reviewCondition):
 * each number is what choosing that filter lists.
 */
export function reviewCounts(db: SqlDb, suggestionMin: number, primary: PairRole = 'raw'): ReviewCounts {
  const has = (condition: string) =>
    `EXISTS (SELECT 1 FROM tags x WHERE x.image_id = i.id AND (${condition}))`;
  const visible = `x.state = 'suggested' AND COALESCE(x.score, 1.0) >= :min`;
  const row = db.get<Record<keyof ReviewCounts, number | null>>(
    `SELECT count(*) AS "all",
       sum(${has(visible)} AND NOT ${has(`x.state = 'accepted'`)}) AS needsReview,
       sum(i.status = 'ok' AND NOT ${has(`x.state = 'accepted' OR (${visible})`)}) AS untagged,
       sum(i.status IN ('error', 'crashed')) AS errors,
       sum(i.status = 'pending') AS pending
     FROM images i WHERE i.status <> 'missing' AND ${shownCondition('i', primary)}`,
    { min: suggestionMin },
  );
  return {
    all: row?.all ?? 0,
    needsReview: row?.needsReview ?? 0,
    untagged: row?.untagged ?? 0,
    errors: row?.errors ?? 0,
    pending: row?.pending ?? 0,
  };
}

/**
 * The WordNet id behind each of these tag names, where a classification predicted a label of that name with
 * one: a colour model's "orange" has none, an ImageNet model's "orange" (the fruit) has n07747607. Names
 * with none are left out.
 */
export function wnidsOfTags(db: SqlDb, names: readonly string[]): Map<string, string> {
  if (names.length === 0) return new Map();
  const rows = db.all<{ name: string; wnid: string }>(
    `SELECT name, max(wnid) AS wnid FROM predictions
     WHERE wnid <> '' AND name IN (SELECT value FROM json_each(:names)) GROUP BY name`,
    { names: jsonList(names) },
  );
  return new Map(rows.map((r) => [r.name, r.wnid]));
}

export interface SubfolderCount {
  /** Relative to the library folder, '/'-separated; '' for photos directly in it. */
  path: string;
  /** Photos directly in this subfolder (not in its own subfolders). */
  count: number;
}

/**
 * The subfolders of a library folder that hold photos, with the photos directly in each, in path order:
 * a tree's nodes (a node's total is its own count plus its descendants'). Paths come from the display
 * form, so a folder name that is not valid UTF-8 is shown with U+FFFD and cannot be filtered by.
 */
export function subfolderCounts(db: SqlDb, folder: FolderRow, primary: PairRole = 'raw'): SubfolderCount[] {
  const params: Record<string, SqlValue> = {};
  const under = folderRangeSql(folder.path, 'path', params);
  const separators = new Set(pathSeparators().map((byte) => String.fromCharCode(byte)));
  const base = stripTrailing(folder.display, separators);
  const counts = new Map<string, number>();
  for (const { display } of db.all<{ display: string }>(
    `SELECT display FROM images WHERE ${under} AND status <> 'missing'
       AND ${shownCondition('images', primary)}`,
    params,
  )) {
    if (!display.startsWith(base)) continue;
    const parts = splitPath(display.slice(base.length), separators);
    parts.pop();
    const key = parts.join('/');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .map(([p, count]) => ({ path: p, count }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** A subfolder path from the page ('a/b') as raw bytes under the folder: null when it tries to leave it. */
export function subfolderPath(folder: FolderRow, subfolder: string): Buffer | null {
  const parts = subfolder.split('/').filter((p) => p !== '');
  if (parts.some((p) => p === '.' || p === '..' || p.includes('\0') || /[\\/]/.test(p))) return null;
  if (parts.length === 0) return folder.path;
  const separator = Buffer.from(path.sep);
  const joined = [stripTrailingBytes(folder.path), ...parts.map((p) => Buffer.from(p, 'utf8'))];
  return Buffer.concat(joined.flatMap((b, i) => (i === 0 ? [b] : [separator, b])));
}

function splitPath(relative: string, separators: ReadonlySet<string>): string[] {
  const parts: string[] = [];
  let current = '';
  for (const char of relative) {
    if (separators.has(char)) {
      if (current !== '') parts.push(current);
      current = '';
    } else current += char;
  }
  if (current !== '') parts.push(current);
  return parts;
}

function stripTrailing(text: string, separators: ReadonlySet<string>): string {
  let end = text.length;
  while (end > 0 && separators.has(text[end - 1] ?? '')) end -= 1;
  return text.slice(0, end);
}

function stripTrailingBytes(bytes: Buffer): Buffer {
  const separators = pathSeparators();
  let end = bytes.length;
  while (end > 0 && separators.includes(bytes[end - 1] ?? -1)) end -= 1;
  return bytes.subarray(0, end);
}
