// A 100k-photo library for the app's queries (bench, and the query test): raw SQL on a migrated file, every fact a function of n.

import { Library } from '../src-main/engine/library/library.js';
import { SqlDb } from '../src-main/engine/library/sql-db.js';

export const SEED_IMAGES = 100_000;
export const SEED_LABELS = ['cat', 'dog', 'car', 'tree', 'boat', 'house', 'bird', 'lamp'];

/** Error wins over missing wins over pending: see seedQueryLibrary(). */
export function seededStatus(n: number): 'ok' | 'error' | 'missing' | 'pending' {
  return n % 97 === 0 ? 'error' : n % 101 === 0 ? 'missing' : n % 89 === 0 ? 'pending' : 'ok';
}

/** How many of the seeded images 1…SEED_IMAGES satisfy `expected`. */
export function countSeeded(expected: (n: number) => boolean): number {
  let count = 0;
  for (let n = 1; n <= SEED_IMAGES; n++) if (expected(n)) count += 1;
  return count;
}

/**
 * Image n lives in /photos/a (n even) or /photos/b (odd); every 97th failed, every 101st is missing,
 * every 89th pending. Classified ones carry 5 auto tags; every 7th has its top tag accepted, every 11th
 * its second tag rejected. Scores are a deterministic function of n. Raw SQL on a migrated file: the
 * library's write path (a savepoint and about ten statements per classified photo) would take several
 * times as long to build 100k photos. Folders are not watched, so a service opened on it starts no scan.
 * Returns the id of folder /photos/a.
 */
export function seedQueryLibrary(file: string): number {
  Library.open(file).close();
  const db = SqlDb.open(file);
  let folderA = 0;
  try {
    db.transaction(() => {
      const now = '2026-01-01T00:00:00.000Z';
      const a = db.returning<{ id: number }>(
        `INSERT INTO folders (path, display, watched, added_at) VALUES (:p, '/photos/a', 0, :now) RETURNING id`,
        { p: Buffer.from('/photos/a'), now },
      ).id;
      const b = db.returning<{ id: number }>(
        `INSERT INTO folders (path, display, watched, added_at) VALUES (:p, '/photos/b', 0, :now) RETURNING id`,
        { p: Buffer.from('/photos/b'), now },
      ).id;
      folderA = a;
      for (let n = 1; n <= SEED_IMAGES; n++) {
        const display = `/photos/${n % 2 === 0 ? 'a' : 'b'}/img-${String(n).padStart(6, '0')}.jpg`;
        const status = seededStatus(n);
        db.run(
          `INSERT INTO images (id, folder_id, path, display, status, error_code, error_message, size, mtime_ms,
             width, height, first_seen_at, updated_at)
           VALUES (:id, :folder, :path, :display, :status, :code, :message, 1000, 1, 640, 480, :now, :now)`,
          {
            id: n,
            folder: n % 2 === 0 ? a : b,
            path: Buffer.from(display),
            display,
            status,
            code: status === 'error' ? 'corrupt' : null,
            message: status === 'error' ? 'truncated' : null,
            now,
          },
        );
        if (status !== 'ok' && status !== 'missing') continue;
        for (let r = 0; r < 5; r++) {
          const tag = SEED_LABELS[(n + r) % SEED_LABELS.length] ?? 'x';
          const state =
            r === 0 && n % 7 === 0 ? 'accepted' : r === 1 && n % 11 === 0 ? 'rejected' : 'suggested';
          db.run(
            `INSERT INTO tags (image_id, tag, source, state, score, updated_at)
             VALUES (:id, :tag, 'auto', :state, :score, :now)`,
            { id: n, tag, state, score: ((n * 7919 + r * 104729) % 1000) / 1000, now },
          );
        }
      }
    });
  } finally {
    db.close();
  }
  return folderA;
}
