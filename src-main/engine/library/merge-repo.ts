// Merging a shard library into this one (engine): photos by path, models by hash; newest classification wins, user decisions kept.

import type { SqlDb } from './sql-db.js';

/** What one merge changed in the target library (all 0 when the shard was merged before). */
export interface MergeCounts {
  /** Folders added, or whose last full scan the shard's is newer than. */
  foldersMerged: number;
  imagesAdded: number;
  imagesUpdated: number;
  classificationsTaken: number;
  decisionsTaken: number;
}

/**
 * The rules, in order, inside one transaction (a failure leaves the target as it was):
 * - folders and models are matched by path and by file hash; missing ones are added;
 * - photos are matched by path (shards of one archive run where it is mounted at the same path); a photo
 *   the target lacks is added, one both hold takes the shard's file facts when the shard saw it later;
 * - per photo and model the newest classification wins, predictions and all;
 * - suggested tags follow the photo's newest classification (whichever library holds it);
 * - the user's decisions (accepted or rejected tags) are never dropped: a decision beats a suggestion,
 *   and of two decisions on the same tag the later one wins;
 * - keywords Skiptag wrote into files are remembered from both.
 * Every comparison is "strictly newer", so merging the same shard again changes nothing.
 * Jobs and the writer lease are the shard's own business and are not copied; personal tag classifiers are
 * not either: they are learned again from the merged decisions at the next training.
 */
export class MergeRepo {
  constructor(private readonly db: SqlDb) {}

  /** The images table's column names, checked to be plain identifiers before they go into SQL text. */
  private imageColumns(): string[] {
    const names = this.db.pragmaRows('main.table_info(images)').map((row) => String(row.name));
    for (const name of names) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected column name in images: ${name}`);
    }
    return names;
  }

  /** Merges the database attached as `shard` (see Library.mergeFrom, which attaches and detaches it). */
  mergeAttached(): MergeCounts {
    const db = this.db;
    return db.transaction(() => {
      const foldersMerged = db.run(`
        INSERT INTO main.folders (path, display, watched, added_at, last_scan_at)
        SELECT path, display, watched, added_at, last_scan_at FROM shard.folders WHERE true
        ON CONFLICT (path) DO UPDATE SET last_scan_at = excluded.last_scan_at
          WHERE excluded.last_scan_at > coalesce(main.folders.last_scan_at, '')`);
      db.run(`
        INSERT INTO main.models (sha256, name) SELECT sha256, name FROM shard.models WHERE true
        ON CONFLICT (sha256) DO NOTHING`);
      // Every column of images, read from the schema, so columns later migrations add (RAW+JPEG pairs,
      // capture time, …) are carried too; both files are at the same schema version (Library.mergeFrom).
      const copied = this.imageColumns().filter((c) => c !== 'id' && c !== 'folder_id');
      const imagesAdded = db.run(`
        INSERT INTO main.images (folder_id, ${copied.join(', ')})
        SELECT (SELECT f.id FROM main.folders f JOIN shard.folders sf ON sf.path = f.path WHERE sf.id = si.folder_id),
          ${copied.map((c) => `si.${c}`).join(', ')}
        FROM shard.images si WHERE NOT EXISTS (SELECT 1 FROM main.images i WHERE i.path = si.path)`);
      // The file's facts as the shard saw them later; when it was first seen and scan bookkeeping stay.
      const facts = copied.filter((c) => !['path', 'first_seen_at', 'last_seen_scan'].includes(c));
      const imagesUpdated = db.run(`
        UPDATE main.images SET (${facts.join(', ')}) =
          (SELECT ${facts.join(', ')} FROM shard.images si WHERE si.path = images.path)
        WHERE EXISTS (SELECT 1 FROM shard.images si WHERE si.path = images.path AND si.updated_at > images.updated_at)`);
      try {
        db.exec(`
          CREATE TEMP TABLE merge_images AS
            SELECT si.id AS sid, i.id AS tid FROM shard.images si JOIN main.images i ON i.path = si.path;
          CREATE TEMP TABLE merge_models AS
            SELECT sm.id AS sid, m.id AS tid FROM shard.models sm JOIN main.models m ON m.sha256 = sm.sha256;
          -- Decided before any classification moves: photos whose newest classification is the shard's.
          CREATE TEMP TABLE merge_suggest AS
            SELECT mi.sid, mi.tid FROM merge_images mi
            WHERE (SELECT max(classified_at) FROM shard.classifications WHERE image_id = mi.sid)
              > coalesce((SELECT max(classified_at) FROM main.classifications WHERE image_id = mi.tid), '');
          CREATE TEMP TABLE merge_newer AS
            SELECT mi.tid AS image_id, mm.tid AS model_id, sc.image_id AS simage, sc.model_id AS smodel,
              sc.provider, sc.classified_at
            FROM shard.classifications sc
            JOIN merge_images mi ON mi.sid = sc.image_id
            JOIN merge_models mm ON mm.sid = sc.model_id
            LEFT JOIN main.classifications c ON c.image_id = mi.tid AND c.model_id = mm.tid
            WHERE c.image_id IS NULL OR sc.classified_at > c.classified_at;`);
        // Deleting a classification deletes its predictions (ON DELETE CASCADE).
        db.run(`
          DELETE FROM main.classifications
          WHERE EXISTS (SELECT 1 FROM merge_newer n WHERE n.image_id = classifications.image_id
            AND n.model_id = classifications.model_id)`);
        const classificationsTaken = db.run(`
          INSERT INTO main.classifications (image_id, model_id, provider, classified_at)
          SELECT image_id, model_id, provider, classified_at FROM merge_newer`);
        db.run(`
          INSERT INTO main.predictions (image_id, model_id, rank, class_index, wnid, name, score)
          SELECT n.image_id, n.model_id, p.rank, p.class_index, p.wnid, p.name, p.score
          FROM merge_newer n JOIN shard.predictions p ON p.image_id = n.simage AND p.model_id = n.smodel`);
        // A photo's features go with its classification: the newer one's replace, and any the library lacks
        // are taken, so similar photos and personal tags work on the merged library without a second pass.
        db.run(`
          DELETE FROM main.embeddings
          WHERE EXISTS (SELECT 1 FROM merge_newer n WHERE n.image_id = embeddings.image_id
            AND n.model_id = embeddings.model_id)`);
        db.run(`
          INSERT INTO main.embeddings (image_id, model_id, dim, scale, vector)
          SELECT mi.tid, mm.tid, e.dim, e.scale, e.vector
          FROM shard.embeddings e
          JOIN merge_images mi ON mi.sid = e.image_id
          JOIN merge_models mm ON mm.sid = e.model_id
          WHERE true
          ON CONFLICT (image_id, model_id) DO NOTHING`);
        db.run(`
          DELETE FROM main.tags WHERE state = 'suggested'
            AND image_id IN (SELECT tid FROM merge_suggest)`);
        db.run(`
          INSERT INTO main.tags (image_id, tag, source, state, score, updated_at)
          SELECT ms.tid, t.tag, t.source, t.state, t.score, t.updated_at
          FROM merge_suggest ms JOIN shard.tags t ON t.image_id = ms.sid
          WHERE t.state = 'suggested'
          ON CONFLICT (image_id, tag) DO NOTHING`);
        const decisionsTaken = db.run(`
          INSERT INTO main.tags (image_id, tag, source, state, score, updated_at)
          SELECT mi.tid, t.tag, t.source, t.state, t.score, t.updated_at
          FROM shard.tags t JOIN merge_images mi ON mi.sid = t.image_id
          WHERE t.state <> 'suggested'
          ON CONFLICT (image_id, tag) DO UPDATE SET source = excluded.source, state = excluded.state,
            score = excluded.score, updated_at = excluded.updated_at
          WHERE main.tags.state = 'suggested' OR excluded.updated_at > main.tags.updated_at`);
        db.run(`
          INSERT INTO main.xmp_written (image_id, target, keyword, hierarchical, written_at)
          SELECT mi.tid, x.target, x.keyword, x.hierarchical, x.written_at
          FROM shard.xmp_written x JOIN merge_images mi ON mi.sid = x.image_id WHERE true
          ON CONFLICT DO NOTHING`);
        return { foldersMerged, imagesAdded, imagesUpdated, classificationsTaken, decisionsTaken };
      } finally {
        db.exec(`
          DROP TABLE IF EXISTS temp.merge_images; DROP TABLE IF EXISTS temp.merge_models;
          DROP TABLE IF EXISTS temp.merge_suggest; DROP TABLE IF EXISTS temp.merge_newer;`);
      }
    });
  }
}
