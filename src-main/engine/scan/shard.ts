// Archive shards (engine): `--shard i/n` picks the photos whose path hash falls in shard i, with no coordination between machines.

import { createHash } from 'node:crypto';

/** Shard `index` (0-based, as Kubernetes' JOB_COMPLETION_INDEX and `--array=0-N` in Slurm) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses "i/n" (0 ≤ i < n ≤ 65536); throws an Error whose message says what is wrong. */
export function parseShard(text: string): Shard {
  const match = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  if (!match)
    throw new Error(`--shard takes INDEX/COUNT, e.g. 0/3 (shards are numbered from 0), not "${text}"`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || count > 65536) throw new Error(`--shard: the count must be 1 to 65536, not ${count}`);
  if (index >= count)
    throw new Error(`--shard: the index must be 0 to ${count - 1} for ${count} shards, not ${index}`);
  return { index, count };
}

/**
 * Whether the photo at absolute path `file` (its bytes, as the library stores them) belongs to `shard`.
 * SHA-256 of the path spreads photos evenly whatever their names, and every machine computes the same
 * answer as long as the archive is mounted at the same path (which merging needs anyway: the library
 * knows photos by path).
 */
export function inShard(file: Buffer, shard: Shard): boolean {
  if (shard.count === 1) return true;
  return createHash('sha256').update(file).digest().readUInt32BE(0) % shard.count === shard.index;
}
