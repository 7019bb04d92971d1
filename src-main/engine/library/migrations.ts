// Schema versions of the library file (engine process): ordered migrations tracked with PRAGMA user_version; the version read from a file's header.

import { open } from 'node:fs/promises';
import { addPairColumns } from './pairs.js';
import { SqlDb } from './sql-db.js';

export interface Migration {
  /** 1, 2, 3, …: the user_version the file has once this migration is applied. */
  version: number;
  description: string;
  up: (db: SqlDb) => void;
}

/**
 * Append only: a released migration is never edited, because files in the wild already ran it.
 * Each runs in its own transaction together with the user_version bump, so a crash mid-upgrade leaves
 * the file at the previous version, intact. (A future migration that rebuilds a table must turn
 * foreign_keys off around its transaction: that pragma is a no-op inside one.)
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'folders, images, models, classifications, predictions, tags',
    up: (db) =>
      db.exec(`
        CREATE TABLE folders (
          id INTEGER PRIMARY KEY,
          path BLOB NOT NULL UNIQUE CHECK (typeof(path) = 'blob'),
          display TEXT NOT NULL,
          watched INTEGER NOT NULL DEFAULT 1 CHECK (watched IN (0, 1)),
          added_at TEXT NOT NULL,
          last_scan_at TEXT
        );
        -- path holds the raw bytes of the file name (lossless for names that are not UTF-8) and must stay
        -- a BLOB: byte-wise comparison is what makes folder-prefix ranges and keyset paging correct.
        CREATE TABLE images (
          id INTEGER PRIMARY KEY,
          folder_id INTEGER REFERENCES folders(id) ON DELETE CASCADE,
          path BLOB NOT NULL UNIQUE CHECK (typeof(path) = 'blob'),
          display TEXT NOT NULL,
          size INTEGER,
          mtime_ms REAL,
          dev_ino TEXT,
          sha256 TEXT,
          format TEXT,
          width INTEGER,
          height INTEGER,
          status TEXT NOT NULL CHECK (status IN ('pending', 'ok', 'error', 'missing', 'crashed')),
          status_before_missing TEXT CHECK (status_before_missing IN ('pending', 'ok', 'error', 'crashed')),
          error_code TEXT,
          error_message TEXT,
          last_seen_scan INTEGER,
          first_seen_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX images_by_sha256 ON images(sha256);
        CREATE INDEX images_by_dev_ino ON images(dev_ino);
        CREATE INDEX images_by_folder_status ON images(folder_id, status);
        CREATE TABLE models (
          id INTEGER PRIMARY KEY,
          sha256 TEXT NOT NULL UNIQUE,
          name TEXT NOT NULL
        );
        -- A row here means "done for this model"; predictions hang off it, so none exist without it.
        CREATE TABLE classifications (
          image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
          provider TEXT NOT NULL,
          classified_at TEXT NOT NULL,
          PRIMARY KEY (image_id, model_id)
        ) WITHOUT ROWID;
        CREATE TABLE predictions (
          image_id INTEGER NOT NULL,
          model_id INTEGER NOT NULL,
          rank INTEGER NOT NULL,
          class_index INTEGER NOT NULL,
          wnid TEXT NOT NULL,
          name TEXT NOT NULL,
          score REAL NOT NULL,
          PRIMARY KEY (image_id, model_id, rank),
          FOREIGN KEY (image_id, model_id) REFERENCES classifications(image_id, model_id) ON DELETE CASCADE
        ) WITHOUT ROWID;
        CREATE TABLE tags (
          image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          tag TEXT NOT NULL,
          source TEXT NOT NULL CHECK (source IN ('auto', 'user')),
          state TEXT NOT NULL CHECK (state IN ('suggested', 'accepted', 'rejected')),
          score REAL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (image_id, tag)
        ) WITHOUT ROWID;
      `),
  },
  {
    version: 2,
    description: 'crash counts, jobs, indexes for tag search and status counts',
    up: (db) =>
      db.exec(`
        ALTER TABLE images ADD COLUMN crash_count INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE jobs (
          id INTEGER PRIMARY KEY,
          kind TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'paused', 'done', 'cancelled', 'failed')),
          params TEXT NOT NULL,
          total INTEGER NOT NULL DEFAULT 0,
          done INTEGER NOT NULL DEFAULT 0,
          failed INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX jobs_by_state ON jobs(state);
        -- tags is WITHOUT ROWID, so this index also holds image_id: "images tagged X with score ≥ s"
        -- is answered from the index alone.
        CREATE INDEX tags_by_tag ON tags(tag, state, score);
        -- Small: the few missing images are left out of tag search by id, and status counts need no sort.
        CREATE INDEX images_by_status ON images(status);
        -- Partial, so it holds only the user's decisions: counting them does not read every suggestion.
        CREATE INDEX tags_decided ON tags(state) WHERE state <> 'suggested';
      `),
  },
  {
    version: 3,
    description: 'keywords Skiptag wrote into sidecars and photos',
    up: (db) =>
      db.exec(`
        -- Only keywords Skiptag added itself: a later write may remove these (the user rejected the tag),
        -- never a keyword another tool put there. keyword is a plain keyword (hierarchical = 0) or a
        -- '|'-separated path such as 'Skiptag|animal|cat|tabby' (hierarchical = 1).
        CREATE TABLE xmp_written (
          image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          target TEXT NOT NULL CHECK (target IN ('sidecar', 'embedded')),
          keyword TEXT NOT NULL,
          hierarchical INTEGER NOT NULL CHECK (hierarchical IN (0, 1)),
          written_at TEXT NOT NULL,
          PRIMARY KEY (image_id, target, keyword)
        ) WITHOUT ROWID;
      `),
  },
  {
    version: 4,
    description: 'the writer lease: which process is scanning and classifying into the library',
    up: (db) =>
      db.exec(`
        -- At most one row: the run (CLI tag, a watch batch, an app job) allowed to scan into the library
        -- now. token tells holders apart (pids are reused); heartbeat_ms lets others see a holder that is
        -- gone without a trace (another machine on a network share, a frozen process).
        CREATE TABLE writer_lease (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          token TEXT NOT NULL,
          pid INTEGER NOT NULL,
          host TEXT NOT NULL,
          kind TEXT NOT NULL,
          acquired_at TEXT NOT NULL,
          heartbeat_ms INTEGER NOT NULL
        );
      `),
  },
  {
    version: 5,
    description: 'RAW+JPEG pairs: the key that ties IMG_0001.CR2 to IMG_0001.JPG, and each file’s role',
    up: addPairColumns,
  },
  {
    version: 6,
    description: 'when each photo was taken (EXIF), for sorting',
    up: (db) =>
      db.exec(`
        -- The camera's wall clock from EXIF DateTimeOriginal, "YYYY-MM-DDTHH:MM:SS" (sorts as text); NULL when
        -- the photo does not say or was classified before this column existed (its next classification fills it).
        ALTER TABLE images ADD COLUMN taken_at TEXT;
        CREATE INDEX images_by_taken ON images(taken_at);
      `),
  },
  {
    version: 7,
    description: 'photo embeddings, personal tag classifiers, the personal tag source',
    up: (db) =>
      db.exec(`
        -- One L2-normalised int8 vector (value = int8 * scale) per photo and model: the pooled features of
        -- the model's final layer, for similar photos and personal tags. Goes with its photo. vector holds
        -- the dim int8 values deflated (raw DEFLATE): 2,048 bytes plus the row would fill a 4 KB page alone.
        -- A rowid table read in rowid order by model: loading every vector is a sequential scan.
        CREATE TABLE embeddings (
          id INTEGER PRIMARY KEY,
          image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
          dim INTEGER NOT NULL CHECK (dim > 0),
          scale REAL NOT NULL CHECK (scale > 0),
          vector BLOB NOT NULL CHECK (typeof(vector) = 'blob'),
          UNIQUE (image_id, model_id)
        );
        CREATE INDEX embeddings_by_model ON embeddings(model_id, id);
        -- A logistic-regression classifier per personal tag and model, learned from the user's decisions.
        -- weights: D float32 values (little-endian); platt_a/platt_b calibrate its score (see learning/).
        CREATE TABLE personal_tags (
          model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
          tag TEXT NOT NULL,
          weights BLOB NOT NULL,
          bias REAL NOT NULL,
          platt_a REAL NOT NULL,
          platt_b REAL NOT NULL,
          positives INTEGER NOT NULL,
          negatives INTEGER NOT NULL,
          cv_precision REAL,
          cv_recall REAL,
          trained_at TEXT NOT NULL,
          PRIMARY KEY (model_id, tag)
        );
        -- What the last training saw (a fingerprint of the decisions), so unchanged decisions are not retrained.
        CREATE TABLE personal_training (
          model_id INTEGER PRIMARY KEY REFERENCES models(id) ON DELETE CASCADE,
          fingerprint TEXT NOT NULL,
          trained_at TEXT NOT NULL
        );
        -- tags.source gains 'personal' (suggested by a personal classifier): a CHECK cannot be altered, so
        -- the table is rebuilt. Nothing references tags, so foreign_keys may stay on.
        CREATE TABLE tags_v7 (
          image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          tag TEXT NOT NULL,
          source TEXT NOT NULL CHECK (source IN ('auto', 'user', 'personal')),
          state TEXT NOT NULL CHECK (state IN ('suggested', 'accepted', 'rejected')),
          score REAL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (image_id, tag)
        ) WITHOUT ROWID;
        INSERT INTO tags_v7 (image_id, tag, source, state, score, updated_at)
          SELECT image_id, tag, source, state, score, updated_at FROM tags;
        DROP TABLE tags;
        ALTER TABLE tags_v7 RENAME TO tags;
        CREATE INDEX tags_by_tag ON tags(tag, state, score);
        CREATE INDEX tags_decided ON tags(state) WHERE state <> 'suggested';
      `),
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** The file was written by a newer Skiptag: opening it could corrupt data this version does not understand. */
export class LibraryTooNewError extends Error {
  constructor(
    readonly fileVersion: number,
    readonly knownVersion: number,
  ) {
    super(
      `the library file has schema version ${fileVersion}, but this Skiptag only knows versions up to ` +
        `${knownVersion}; update Skiptag, or use another library file`,
    );
    this.name = 'LibraryTooNewError';
  }
}

export function schemaVersion(db: SqlDb): number {
  return Number(db.pragma('user_version'));
}

/** Brings the file up to `target` (default: latest), one transaction per migration. */
export function migrate(db: SqlDb, target = LATEST_SCHEMA_VERSION): void {
  const current = schemaVersion(db);
  if (current > LATEST_SCHEMA_VERSION) throw new LibraryTooNewError(current, LATEST_SCHEMA_VERSION);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current || migration.version > target) continue;
    db.transaction(() => {
      // Another process may have upgraded the file while we waited for the write lock.
      if (schemaVersion(db) >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    });
  }
}

/**
 * A raw connection to `file` with the schema exactly at `version` (not beyond): tests use it to build
 * files in an older shape and check that Library.open upgrades them.
 */
export function openAtVersion(file: string, version: number): SqlDb {
  const db = SqlDb.open(file);
  try {
    migrate(db, version);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

const SQLITE_MAGIC = 'SQLite format 3\0';
/** Offset of PRAGMA user_version (big-endian uint32) in the SQLite file header. */
const USER_VERSION_OFFSET = 60;

/**
 * The schema version of a library file of `size` bytes (for `skiptag doctor`), read from its header: opening
 * it with Library would migrate it, which a diagnosis must not do. A change still in the WAL shows up here
 * only after the next checkpoint. Null for an empty file (what SQLite leaves before the first write); throws
 * for a file that is not an SQLite database.
 */
export async function readSchemaVersion(file: string, size: number): Promise<number | null> {
  if (size === 0) return null;
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(100);
    const { bytesRead } = await handle.read(header, 0, 100, 0);
    if (bytesRead < 100 || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
      throw new Error('not an SQLite database');
    }
    return header.readUInt32BE(USER_VERSION_OFFSET);
  } finally {
    await handle.close();
  }
}
