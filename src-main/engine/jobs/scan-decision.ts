// Incremental scan decisions (engine): which library folder an input belongs to, and what to do with each file found on disk.

import { stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import type { Library } from '../library/library.js';
import type { SeenFile } from '../library/library-types.js';

export type ScanOutcome = 'new' | 'changed' | 'moved' | 'unchanged' | 'retry';

export interface ScanDecision {
  imageId: number;
  outcome: ScanOutcome;
  /** Whether the file must be (re)classified with the current model. */
  needsWork: boolean;
}

/** Stats a file for the incremental check: size, mtime and device+inode (bigint: inodes can exceed 2^53). */
export async function statSeen(path: Buffer, display: string): Promise<SeenFile> {
  const st = await stat(path, { bigint: true });
  return {
    path,
    display,
    size: Number(st.size),
    mtimeMs: Number(st.mtimeNs) / 1e6,
    devIno: `${st.dev}:${st.ino}`,
  };
}

/**
 * Records a file seen during scan `scan` and decides whether it needs classifying with `modelId`:
 * unchanged size+mtime+inode and already classified → nothing to do; a known inode under a new path whose
 * old path is gone → a rename (the row, its predictions and the user's tags move with it); otherwise new.
 * Files that failed or crashed the decoder are only retried when they change.
 */
export function decideSeen(
  library: Library,
  seen: SeenFile,
  folderId: number | null,
  scan: number,
  modelId: number,
): ScanDecision {
  const known = library.getImageByPath(seen.path);
  if (known) {
    const same = known.size === seen.size && known.mtimeMs === seen.mtimeMs && known.devIno === seen.devIno;
    if (!same) {
      library.updateSeen(known.id, seen, scan, 'pending');
      return { imageId: known.id, outcome: 'changed', needsWork: true };
    }
    if (known.status === 'error' || known.status === 'crashed') {
      library.touchSeen([known.id], scan);
      return { imageId: known.id, outcome: 'unchanged', needsWork: false };
    }
    const classified = !library.needsClassification(known.id, modelId);
    if (known.status === 'missing') library.updateSeen(known.id, seen, scan, classified ? 'ok' : 'pending');
    else library.touchSeen([known.id], scan);
    return classified
      ? { imageId: known.id, outcome: 'unchanged', needsWork: false }
      : { imageId: known.id, outcome: 'retry', needsWork: true };
  }
  const renamed = library
    .findByDevIno(seen.devIno)
    .find((row) => row.size === seen.size && !existsSync(row.path));
  if (renamed) {
    library.movePath(renamed.id, seen, folderId, scan);
    const classified = renamed.status !== 'pending' && !library.needsClassification(renamed.id, modelId);
    return { imageId: renamed.id, outcome: 'moved', needsWork: !classified };
  }
  const inserted = library.insertImage(seen, folderId, scan);
  return { imageId: inserted.id, outcome: 'new', needsWork: true };
}

/**
 * The library folder for an input: a folder input is recorded (created on first use); a file belongs to
 * the innermost library folder that contains it (how files reported by the watcher find their folder),
 * or to none.
 */
export async function folderFor(
  library: Library,
  absolute: string,
  watch: boolean,
): Promise<{ folderId: number | null; isFolder: boolean }> {
  const info = await stat(absolute).catch(() => null);
  const bytes = Buffer.from(absolute);
  const folders = library.listFolders();
  if (info?.isDirectory()) {
    const existing = folders.find((f) => f.path.equals(bytes));
    return {
      folderId: library.upsertFolder(bytes, absolute, watch || (existing?.watched ?? false)).id,
      isFolder: true,
    };
  }
  const containing = folders
    .filter(
      (f) =>
        bytes.length > f.path.length &&
        bytes.subarray(0, f.path.length).equals(f.path) &&
        bytes[f.path.length] === sep.charCodeAt(0),
    )
    .sort((a, b) => b.path.length - a.path.length)[0];
  return { folderId: containing?.id ?? null, isFolder: false };
}
