// Compact photo embeddings (shared): pooled features L2-normalised and stored as int8 with one scale; made in the worker, read by library and engine.

/** An embedding as stored: `vector` holds D int8 values (as bytes), value = int8 × scale, |value| = 1. */
export interface Embedding {
  vector: Uint8Array;
  scale: number;
}

/** The largest feature vector accepted from a model (ResNet-50 has 2048; wide heads have a few thousand). */
export const MAX_EMBEDDING_DIM = 8192;

/**
 * Features [offset, offset + dim) → unit length → int8 with scale max|v|/127. Why normalise first: similarity
 * is cosine, and a unit vector's int8 rounding error is bounded the same for every photo. Null when the
 * features are all zero or not finite (no direction to compare).
 */
export function encodeEmbedding(features: Float32Array, offset: number, dim: number): Embedding | null {
  let sumSq = 0;
  for (let i = 0; i < dim; i++) {
    const v = features[offset + i] as number;
    if (!Number.isFinite(v)) return null;
    sumSq += v * v;
  }
  if (sumSq === 0) return null;
  const norm = Math.sqrt(sumSq);
  let max = 0;
  for (let i = 0; i < dim; i++) max = Math.max(max, Math.abs((features[offset + i] as number) / norm));
  const scale = max / 127;
  const bytes = new Int8Array(dim);
  for (let i = 0; i < dim; i++) bytes[i] = Math.round((features[offset + i] as number) / norm / scale);
  return { vector: new Uint8Array(bytes.buffer), scale };
}

/** The stored vector as float32 values (unit length up to rounding). */
export function decodeEmbedding(embedding: Embedding): Float32Array {
  const ints = asInt8(embedding.vector);
  const out = new Float32Array(ints.length);
  for (let i = 0; i < ints.length; i++) out[i] = (ints[i] as number) * embedding.scale;
  return out;
}

/** The int8 view of a stored vector's bytes (no copy). */
export function asInt8(vector: Uint8Array): Int8Array {
  return new Int8Array(vector.buffer, vector.byteOffset, vector.byteLength);
}
