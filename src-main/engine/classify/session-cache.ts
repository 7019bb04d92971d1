// Optimized-session cache (engine; worker process): where onnxruntime's CPU-optimized copy of a model is kept between runs.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/**
 * Creating a ResNet-50 session with every graph optimization takes 0.5-1 s on a laptop, most of a cold
 * start; loading the graph onnxruntime already optimized (written through optimizedModelFilePath) with
 * optimizations off takes about 0.1-0.2 s. Level-'all' graphs may hold CPU-specific kernels (NCHWc
 * layouts), so the copy is named after everything it depends on: the model file (path, size, mtime,
 * ctime, inode), onnxruntime's version, the CPU model and architecture. A stale copy is simply never
 * asked for again; the oldest beyond MAX_FILES are deleted, since each is as large as its model.
 */
const MAX_FILES = 4;
export const SESSION_CACHE_DIR = 'sessions';

function ortVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return '?';
  }
}

/** The file the optimized copy of `modelPath` lives in (it may not exist yet), or null if the model cannot be stat'ed. */
export function optimizedModelFile(modelPath: string, cacheDir: string): string | null {
  let key: string;
  try {
    const s = statSync(modelPath, { bigint: true });
    key = [
      path.resolve(modelPath),
      s.size,
      s.mtimeNs,
      s.ctimeNs,
      s.ino,
      s.dev,
      ortVersion(),
      os.cpus()[0]?.model ?? '?',
      process.arch,
    ].join('|');
  } catch {
    return null;
  }
  const name = `${path.basename(modelPath, '.onnx').slice(0, 40)}-${createHash('sha256').update(key).digest('hex').slice(0, 24)}.ort.onnx`;
  return path.join(cacheDir, SESSION_CACHE_DIR, name);
}

/**
 * The optimized copy's file for a session about to open, with its folder made and old copies pruned; null
 * (no caching: the session is built from the model as before) when any of that fails.
 */
export function prepareSessionCache(modelPath: string, cacheDir: string): string | null {
  const file = optimizedModelFile(modelPath, cacheDir);
  if (file === null) return null;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    pruneSessionCache(cacheDir, file);
    return file;
  } catch {
    return null;
  }
}

/** Deletes all but the MAX_FILES most recently written copies (and leftovers of interrupted writes). */
export function pruneSessionCache(cacheDir: string, keep: string): void {
  const dir = path.join(cacheDir, SESSION_CACHE_DIR);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const files = names
    .map((name) => path.join(dir, name))
    .flatMap((file) => {
      try {
        return [{ file, at: statSync(file).mtimeMs }];
      } catch {
        return [];
      }
    })
    .sort((a, b) => b.at - a.at);
  const stale = files.filter(
    (f, i) =>
      f.file !== keep && (i >= MAX_FILES || (f.file.endsWith('.tmp') && Date.now() - f.at > 3600_000)),
  );
  for (const { file } of stale) rmSync(file, { force: true });
}
