// Photo embeddings in the library (engine process): one compact vector per photo and model, stored, checked and loaded as a matrix.

import { asInt8, type Embedding } from '../../shared/embedding-codec.js';
import { asBuffer, type SqlDb } from './sql-db.js';

/** Every stored embedding of one model, packed: row i is image ids[i], values vectors[i*dim ..] × scales[i]. */
export interface EmbeddingMatrix {
  ids: Int32Array;
  dim: number;
  vectors: Int8Array;
  scales: Float32Array;
}

const PAGE = 4096;

export class EmbeddingsRepo {
  constructor(private readonly db: SqlDb) {}

  /** Stores (or replaces) an image's embedding for a model; null removes it (the model gave none). */
  put(imageId: number, modelId: number, embedding: Embedding | null): void {
    if (embedding === null) {
      this.db.run('DELETE FROM embeddings WHERE image_id = :image_id AND model_id = :model_id', {
        image_id: imageId,
        model_id: modelId,
      });
      return;
    }
    this.db.run(
      `INSERT INTO embeddings (image_id, model_id, scale, vector) VALUES (:image_id, :model_id, :scale, :vector)
       ON CONFLICT (image_id, model_id) DO UPDATE SET scale = excluded.scale, vector = excluded.vector`,
      {
        image_id: imageId,
        model_id: modelId,
        scale: embedding.scale,
        vector: Buffer.from(
          embedding.vector.buffer,
          embedding.vector.byteOffset,
          embedding.vector.byteLength,
        ),
      },
    );
  }

  /** Drops every embedding of an image (its content changed or can no longer be read). */
  removeImage(imageId: number): void {
    this.db.run('DELETE FROM embeddings WHERE image_id = :image_id', { image_id: imageId });
  }

  get(imageId: number, modelId: number): Embedding | null {
    const row = this.db.get<{ scale: number; vector: unknown }>(
      'SELECT scale, vector FROM embeddings WHERE image_id = :image_id AND model_id = :model_id',
      { image_id: imageId, model_id: modelId },
    );
    if (!row) return null;
    return { scale: row.scale, vector: new Uint8Array(asBuffer(row.vector)) };
  }

  has(imageId: number, modelId: number): boolean {
    return (
      this.db.get<{ found: number }>(
        'SELECT 1 AS found FROM embeddings WHERE image_id = :image_id AND model_id = :model_id',
        { image_id: imageId, model_id: modelId },
      ) !== undefined
    );
  }

  /** The models photos have embeddings from, the most used first. */
  models(): { modelId: number; name: string; count: number }[] {
    return this.db.all<{ modelId: number; name: string; count: number }>(
      `SELECT m.id AS modelId, m.name AS name, count(*) AS count FROM embeddings e JOIN models m ON m.id = e.model_id
       GROUP BY m.id ORDER BY count DESC, m.id DESC`,
    );
  }

  /**
   * Changes when a model's embeddings change (added, replaced, removed) or photos go missing or come back:
   * what a cached matrix is checked against. One pass over the model's rows (~10 ms at 100,000).
   */
  version(modelId: number): string {
    const row = this.db.get<{ n: number; top: number | null; sum: number | null; missing: number }>(
      `SELECT count(*) AS n, max(e.rowid) AS top, sum(e.scale) AS sum,
         sum(i.status = 'missing') AS missing
       FROM embeddings e JOIN images i ON i.id = e.image_id WHERE e.model_id = :model_id`,
      { model_id: modelId },
    );
    return JSON.stringify([row?.n, row?.top, row?.sum, row?.missing]);
  }

  count(modelId: number): number {
    return (
      this.db.get<{ n: number }>('SELECT count(*) AS n FROM embeddings WHERE model_id = :model_id', {
        model_id: modelId,
      })?.n ?? 0
    );
  }

  /**
   * Every embedding of `modelId` for photos that are not missing, packed into typed arrays (paged reads:
   * 100,000 photos are one 200 MB matrix for ResNet-50, not 100,000 row objects at once). Rows whose
   * length differs from the first (a model file replaced under the same hash cannot do that; a bug could)
   * are left out.
   */
  loadMatrix(modelId: number): EmbeddingMatrix {
    const total = this.count(modelId);
    let dim = 0;
    let ids = new Int32Array(0);
    let vectors = new Int8Array(0);
    let scales = new Float32Array(0);
    let n = 0;
    let after = 0;
    for (;;) {
      const rows = this.db.all<{ image_id: number; scale: number; vector: unknown }>(
        `SELECT e.image_id, e.scale, e.vector FROM embeddings e JOIN images i ON i.id = e.image_id
         WHERE e.model_id = :model_id AND e.image_id > :after AND i.status <> 'missing'
         ORDER BY e.image_id LIMIT ${PAGE}`,
        { model_id: modelId, after },
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        after = row.image_id;
        const bytes = asBuffer(row.vector);
        if (dim === 0) {
          dim = bytes.length;
          ids = new Int32Array(total);
          vectors = new Int8Array(total * dim);
          scales = new Float32Array(total);
        }
        if (bytes.length !== dim || n >= total) continue;
        ids[n] = row.image_id;
        scales[n] = row.scale;
        vectors.set(asInt8(bytes), n * dim);
        n += 1;
      }
    }
    return {
      ids: ids.subarray(0, n),
      dim,
      vectors: vectors.subarray(0, n * dim),
      scales: scales.subarray(0, n),
    };
  }
}
