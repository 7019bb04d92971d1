// Library totals (engine process): what `skiptag status` and the app's overview show.

import { IMAGE_STATUSES, type ImageStatus, type StatusCounts } from './library-types.js';
import type { SqlDb } from './sql-db.js';

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
