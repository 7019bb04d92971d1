// Photo embeddings in the library (engine process): one compact vector per photo and model, stored, checked and loaded as a matrix.

import { deflateRawSync, inflateRawSync } from 'node:zlib';
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

/**
 * Where a matrix's rows are allocated: a plain array by default; the engine passes its SIMD kernel's
 * allocator (simd/int8-dots.ts) so similarity queries read the rows in place.
 */
export type RowAllocator = (rows: number, dim: number) => Int8Array<ArrayBuffer>;

const plainRows: RowAllocator = (rows, dim) => new Int8Array(rows * dim);

/**
 * Deflate, fast level: int8 features after a ReLU are mostly small, so a ResNet-50 vector shrinks well
 * below the ~2,030 bytes that let two rows share a 4 KB page (uncompressed, each row fills a page alone).
 */
function pack(vector: Uint8Array): Buffer {
  return deflateRawSync(vector, { level: 1 });
}

function unpack(stored: Buffer, dim: number): Buffer {
  const bytes = inflateRawSync(stored);
  if (bytes.length !== dim) throw new Error(`embedding holds ${bytes.length} values, expected ${dim}`);
  return bytes;
}

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
      `INSERT INTO embeddings (image_id, model_id, dim, scale, vector)
       VALUES (:image_id, :model_id, :dim, :scale, :vector)
       ON CONFLICT (image_id, model_id) DO UPDATE SET
         dim = excluded.dim, scale = excluded.scale, vector = excluded.vector`,
      {
        image_id: imageId,
        model_id: modelId,
        dim: embedding.vector.byteLength,
        scale: embedding.scale,
        vector: pack(embedding.vector),
      },
    );
  }

  /** Drops every embedding of an image (its content changed or can no longer be read). */
  removeImage(imageId: number): void {
    this.db.run('DELETE FROM embeddings WHERE image_id = :image_id', { image_id: imageId });
  }

  get(imageId: number, modelId: number): Embedding | null {
    const row = this.db.get<{ dim: number; scale: number; vector: unknown }>(
      'SELECT dim, scale, vector FROM embeddings WHERE image_id = :image_id AND model_id = :model_id',
      { image_id: imageId, model_id: modelId },
    );
    if (!row) return null;
    return { scale: row.scale, vector: new Uint8Array(unpack(asBuffer(row.vector), row.dim)) };
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
   * what a cached matrix is checked against.
   */
  version(modelId: number): string {
    const row = this.db.get<{ n: number; top: number | null; sum: number | null }>(
      'SELECT count(*) AS n, max(id) AS top, sum(scale) AS sum FROM embeddings WHERE model_id = :model_id',
      { model_id: modelId },
    );
    const missing = this.db.get<{ n: number; top: number | null }>(
      `SELECT count(*) AS n, max(id) AS top FROM images WHERE status = 'missing'`,
    );
    return JSON.stringify([row?.n, row?.top, row?.sum, missing?.n, missing?.top]);
  }

  /** Whether some photo classified by this model has no embedding from it (made before embeddings existed). */
  anyClassifiedWithout(modelId: number): boolean {
    return (
      this.db.get<{ found: number }>(
        `SELECT 1 AS found FROM classifications c WHERE c.model_id = :model_id
           AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.image_id = c.image_id AND e.model_id = :model_id)
         LIMIT 1`,
        { model_id: modelId },
      ) !== undefined
    );
  }

  count(modelId: number): number {
    return (
      this.db.get<{ n: number }>('SELECT count(*) AS n FROM embeddings WHERE model_id = :model_id', {
        model_id: modelId,
      })?.n ?? 0
    );
  }

  /**
   * Every embedding of `modelId` for photos that are not missing, packed into typed arrays. Read in rowid
   * order through the (model_id, id) index, a page of rows at a time: one sequential pass, and never
   * 100,000 row objects at once. Rows whose length differs from the first (a bug could do that) are left out,
   * and so are the ids `hiddenIdsSql` selects (SQL text from the library: the hidden halves of RAW+JPEG pairs).
   */
  loadMatrix(
    modelId: number,
    hiddenIdsSql: string | null = null,
    allocate: RowAllocator = plainRows,
  ): EmbeddingMatrix {
    const total = this.count(modelId);
    const missing = new Set(
      this.db
        .all<{ id: number }>(
          `SELECT id FROM images WHERE status = 'missing'${hiddenIdsSql ? ` UNION ${hiddenIdsSql}` : ''}`,
        )
        .map((r) => r.id),
    );
    let dim = 0;
    let ids = new Int32Array(0);
    let vectors = new Int8Array(0);
    let scales = new Float32Array(0);
    let n = 0;
    let after = 0;
    for (;;) {
      const rows = this.db.all<{ id: number; image_id: number; dim: number; scale: number; vector: unknown }>(
        `SELECT id, image_id, dim, scale, vector FROM embeddings
         WHERE model_id = :model_id AND id > :after ORDER BY id LIMIT ${PAGE}`,
        { model_id: modelId, after },
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        after = row.id;
        if (missing.has(row.image_id)) continue;
        if (dim === 0) {
          dim = row.dim;
          ids = new Int32Array(total);
          vectors = allocate(total, dim);
          scales = new Float32Array(total);
        }
        if (row.dim !== dim || n >= total) continue;
        ids[n] = row.image_id;
        scales[n] = row.scale;
        vectors.set(asInt8(unpack(asBuffer(row.vector), dim)), n * dim);
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
