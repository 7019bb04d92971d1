// Model hash cache (engine; CLI, service): a model file's SHA-256 remembered by (path, size, mtime, ctime, inode).

import { stat } from 'node:fs/promises';
import path from 'node:path';
import { readCacheFile, writeCacheFile } from '../cache/cache-file.js';

/**
 * Hashing ResNet-50 (100 MB) takes 0.2-0.4 s on a laptop, paid by every `tag` before it can even look at
 * the library. The hash is remembered with everything that changes when the file's bytes do: a rewrite
 * in place changes mtime and ctime (ctime cannot be set back by tools that restore mtime), a replacement
 * by rename changes the inode, a copy elsewhere has another path. Times are kept in nanoseconds.
 */
interface Entry {
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
  dev: string;
  sha256: string;
  usedAt: number;
}

type Entries = Record<string, Entry>;

const VERSION = 1;
/** Enough for every model a user keeps; the least recently hashed are forgotten first. */
const MAX_ENTRIES = 64;

export const MODEL_HASH_CACHE_FILE = 'model-hashes.json';

type Fingerprint = Omit<Entry, 'sha256' | 'usedAt'>;

async function fingerprint(file: string): Promise<Fingerprint> {
  const s = await stat(file, { bigint: true });
  return {
    size: String(s.size),
    mtimeNs: String(s.mtimeNs),
    ctimeNs: String(s.ctimeNs),
    ino: String(s.ino),
    dev: String(s.dev),
  };
}

function sameFile(entry: Entry, now: Fingerprint): boolean {
  return (
    entry.size === now.size &&
    entry.mtimeNs === now.mtimeNs &&
    entry.ctimeNs === now.ctimeNs &&
    entry.ino === now.ino &&
    entry.dev === now.dev &&
    /^[0-9a-f]{64}$/.test(entry.sha256)
  );
}

/**
 * `hash(file)` for `file`, from the cache in `cacheDir` when the file is provably unchanged since it was
 * hashed. The file's fingerprint is taken before hashing, so a file changing while it is hashed is stored
 * under its old fingerprint and hashed again next time.
 */
export async function cachedModelHash(
  file: string,
  cacheDir: string,
  hash: (file: string) => Promise<string>,
): Promise<string> {
  const absolute = path.resolve(file);
  const cacheFile = path.join(cacheDir, MODEL_HASH_CACHE_FILE);
  const before = await fingerprint(absolute);
  const entries = (await readCacheFile<Entries>(cacheFile, VERSION)) ?? {};
  const known = Object.hasOwn(entries, absolute) ? entries[absolute] : undefined;
  if (known && sameFile(known, before)) return known.sha256;
  const sha256 = await hash(absolute);
  entries[absolute] = { ...before, sha256, usedAt: Date.now() };
  const kept = Object.entries(entries)
    .sort(([, a], [, b]) => b.usedAt - a.usedAt)
    .slice(0, MAX_ENTRIES);
  await writeCacheFile(cacheFile, VERSION, Object.fromEntries(kept));
  return sha256;
}
