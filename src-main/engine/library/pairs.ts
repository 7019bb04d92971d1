// RAW+JPEG pairs (engine process, library): IMG_0001.CR2 beside IMG_0001.JPG is one photo — the key that ties the two files, which one is shown, and the queries over pairs.

import { folderRanges, rangeCondition } from './path-prefix.js';
import { RAW_PHOTO_EXTENSIONS } from './raw-extensions.js';
import { asBuffer, jsonList, type SqlDb } from './sql-db.js';

/** The camera's own rendering written beside the RAW: JPEG, or HEIF on cameras that offer RAW+HEIF. */
const RENDERED_EXTENSIONS: ReadonlySet<string> = new Set(['jpg', 'jpeg', 'jpe', 'heic', 'heif', 'hif']);

/** Which half of a pair a file is. The user's setting picks which half is shown ('jpeg': the rendered one). */
export type PairRole = 'raw' | 'jpeg';
export const PAIR_ROLES = ['raw', 'jpeg'] as const satisfies readonly PairRole[];

export interface PairKey {
  /** Folder bytes + '/' + the name without its extension, ASCII letters lower-cased. */
  key: Buffer;
  role: PairRole;
}

const SLASH = 0x2f;
const DOT = 0x2e;

/**
 * The pair key of a file that could be half of a RAW+JPEG pair, or null. Works on the raw path bytes
 * (names need not be UTF-8). Only files in the same folder pair up; case is ignored because cameras write
 * IMG_0001.CR2 and IMG_0001.JPG but copies through other systems often change case of one of them.
 */
export function pairKeyOf(path: Buffer): PairKey | null {
  const slash = path.lastIndexOf(SLASH);
  const dot = path.lastIndexOf(DOT);
  if (dot <= slash + 1 || dot === path.length - 1) return null;
  const ext = path
    .subarray(dot + 1)
    .toString('latin1')
    .toLowerCase();
  const role: PairRole | null = RAW_PHOTO_EXTENSIONS.has(ext)
    ? 'raw'
    : RENDERED_EXTENSIONS.has(ext)
      ? 'jpeg'
      : null;
  if (role === null) return null;
  const key = Buffer.from(path.subarray(0, dot));
  for (let i = slash + 1; i < key.length; i++) {
    const byte = key[i] ?? 0;
    if (byte >= 0x41 && byte <= 0x5a) key[i] = byte + 0x20;
  }
  return { key, role };
}

/**
 * SQL condition (on images alias `alias`) that is false for the half of a pair that is not shown: a file of
 * the other role than `primary` whose partner of role `primary` is present (not missing) and readable. A
 * file whose partner is gone stands alone again, and is shown; so is one whose partner failed to decode (a
 * RAW without a usable preview, a corrupt file): the photo is not lost behind an error tile, and the error
 * still shows on the failed file. `primary` is a closed enum, inlined as a literal.
 *
 * Written as "id NOT IN (hidden ids)": SQLite computes that list once per statement through the partial
 * pair_key index (only files that can pair are in it), and testing a rowid against it needs no table row,
 * so counts and pages keep their index-only plans (a per-row EXISTS made the grid's first page 10× slower
 * on 100k photos).
 */
export function shownCondition(alias: string, primary: PairRole): string {
  return `${alias}.id NOT IN (${hiddenIdsSql(primary)})`;
}

/** SQL selecting the ids of the files hidden behind their pair's shown half. */
export function hiddenIdsSql(primary: PairRole): string {
  const secondary = primary === 'raw' ? 'jpeg' : 'raw';
  return `SELECT hi.id FROM images hi
    WHERE hi.pair_key IS NOT NULL AND hi.pair_role = '${secondary}' AND EXISTS (
      SELECT 1 FROM images pp WHERE pp.pair_key = hi.pair_key AND pp.pair_role = '${primary}'
        AND pp.status NOT IN ('missing', 'error', 'crashed'))`;
}

/** These images and every file paired with any of them (any status), ids in ascending order. */
export function withPartners(db: SqlDb, imageIds: readonly number[]): number[] {
  if (imageIds.length === 0) return [];
  return db
    .all<{ id: number }>(
      `SELECT value AS id FROM json_each(:ids)
       UNION
       SELECT p.id FROM images i JOIN images p ON p.pair_key = i.pair_key AND p.id <> i.id
       WHERE i.id IN (SELECT value FROM json_each(:ids)) AND i.pair_key IS NOT NULL
       ORDER BY id`,
      { ids: jsonList(imageIds) },
    )
    .map((row) => row.id);
}

export interface PartnerFile {
  id: number;
  display: string;
  role: PairRole;
}

/** The files paired with this image that are present (not missing), other than itself. */
export function presentPartners(db: SqlDb, imageId: number): PartnerFile[] {
  return db.all<PartnerFile>(
    `SELECT p.id, p.display, p.pair_role AS role FROM images i
     JOIN images p ON p.pair_key = i.pair_key AND p.id <> i.id
     WHERE i.id = :id AND i.pair_key IS NOT NULL AND p.status <> 'missing'
     ORDER BY p.path`,
    { id: imageId },
  );
}

/** Partner display paths of a page of images, for grids and exports: image id → partners' paths. */
export function partnersOf(db: SqlDb, imageIds: readonly number[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  if (imageIds.length === 0) return out;
  const rows = db.all<{ image_id: number; display: string }>(
    `SELECT i.id AS image_id, p.display FROM images i
     JOIN images p ON p.pair_key = i.pair_key AND p.id <> i.id
     WHERE i.id IN (SELECT value FROM json_each(:ids)) AND i.pair_key IS NOT NULL AND p.status <> 'missing'
     ORDER BY i.id, p.path`,
    { ids: jsonList(imageIds) },
  );
  for (const row of rows) {
    const list = out.get(row.image_id);
    if (list) list.push(row.display);
    else out.set(row.image_id, [row.display]);
  }
  return out;
}

/** Complete pairs (a present RAW with a present JPEG) at or under this folder: what a scan summary reports. */
export function countPairsUnder(db: SqlDb, folder: Buffer): number {
  let total = 0;
  for (const range of folderRanges(folder)) {
    const { sql, params } = rangeCondition('r.path', range);
    total +=
      db.get<{ n: number }>(
        `SELECT count(*) AS n FROM images r
         JOIN images j ON j.pair_key = r.pair_key AND j.pair_role = 'jpeg' AND j.status <> 'missing'
         WHERE r.pair_role = 'raw' AND r.status <> 'missing' AND ${sql}`,
        params,
      )?.n ?? 0;
  }
  return total;
}

/** Sets pair_key and pair_role of one image from its path (insert, rename). */
export function recordPairKey(db: SqlDb, imageId: number, path: Buffer): void {
  const pair = pairKeyOf(path);
  db.run('UPDATE images SET pair_key = :key, pair_role = :role WHERE id = :id', {
    id: imageId,
    key: pair?.key ?? null,
    role: pair?.role ?? null,
  });
}

/**
 * Migration 5: the pair columns, their index, and keys for the images already in the library. Like every
 * released migration it must keep doing what it did: pairKeyOf may learn new extensions, but then a later
 * migration recomputes the keys.
 */
export function addPairColumns(db: SqlDb): void {
  db.exec(`
    ALTER TABLE images ADD COLUMN pair_key BLOB;
    ALTER TABLE images ADD COLUMN pair_role TEXT CHECK (pair_role IN ('raw', 'jpeg'));
    CREATE INDEX images_by_pair_key ON images(pair_key) WHERE pair_key IS NOT NULL;
  `);
  let after = -1;
  for (;;) {
    const rows = db.all<{ id: number; path: unknown }>(
      'SELECT id, path FROM images WHERE id > :after ORDER BY id LIMIT 1000',
      { after },
    );
    for (const row of rows) recordPairKey(db, row.id, asBuffer(row.path));
    const last = rows.at(-1);
    if (last === undefined) break;
    after = last.id;
  }
}
