// Incremental scan decisions (engine): which library folder an input belongs to, and what to do with each file found on disk.

import { stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Library } from '../library/library.js';
import type { FolderRow, SeenFile } from '../library/library-types.js';
import { isAtOrUnderFolder } from '../library/path-prefix.js';
import { walkReaches } from '../scan/input-set.js';

export type ScanOutcome = 'new' | 'changed' | 'moved' | 'unchanged' | 'retry';

export interface ScanDecision {
  imageId: number;
  outcome: ScanOutcome;
  /** Whether the file must be (re)classified with the current model. */
  needsWork: boolean;
  /** Classified already, run only for its embedding (predictions and tags stay as they are). */
  embeddingOnly?: boolean;
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
  /** The model gives embeddings: a classified photo without one gets it on this scan. */
  wantEmbedding = false,
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
    if (classified && wantEmbedding && !library.embeddings.has(known.id, modelId)) {
      return { imageId: known.id, outcome: 'retry', needsWork: true, embeddingOnly: true };
    }
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
    if (classified && wantEmbedding && !library.embeddings.has(renamed.id, modelId)) {
      return { imageId: renamed.id, outcome: 'moved', needsWork: true, embeddingOnly: true };
    }
    return { imageId: renamed.id, outcome: 'moved', needsWork: !classified };
  }
  const inserted = library.insertImage(seen, folderId, scan);
  return { imageId: inserted.id, outcome: 'new', needsWork: true };
}

/** Which library folders a scan input belongs to, and which of them its walk covers. */
export interface InputScope {
  /** A folder input (walked whole: what it did not see is missing afterwards); false for a file. */
  isFolder: boolean;
  /** The folder rows the walk covers: the input's own (or the one covering it) and the folders inside it. */
  covered: number[];
  /** The library folder of a file found by the walk: the innermost folder holding it, or null. */
  folderOf(file: Buffer): number | null;
  /** When the input lies inside a folder already in the library: that folder's path (for messages). */
  coveredBy: string | null;
}

/**
 * The library folders for an input: a folder input is recorded (created on first use, or found to lie
 * inside a folder the library already has, which then covers it; see Library.recordFolder); a file
 * belongs to the innermost library folder that contains it (how files reported by the watcher find
 * their folder), or to none.
 */
export async function scopeFor(
  library: Library,
  absolute: string,
  watch: boolean,
  includeHidden: boolean,
): Promise<InputScope> {
  const info = await stat(absolute).catch(() => null);
  const bytes = Buffer.from(absolute);
  if (!info?.isDirectory()) {
    const folders = library.listFolders();
    return {
      isFolder: false,
      covered: [],
      folderOf: (file) => innermostFolder(folders, file)?.id ?? null,
      coveredBy: null,
    };
  }
  const record = library.recordFolder(bytes, absolute, watch);
  const folders = library.listFolders();
  // Folders inside the input that its walk reaches: their photos are seen (or missed) by this walk too.
  const inside = folders.filter(
    (f) =>
      f.id !== record.folder.id &&
      isAtOrUnderFolder(bytes, f.path) &&
      walkReaches(absolute, f.display, true, includeHidden),
  );
  const scoped = [record.folder, ...inside];
  return {
    isFolder: true,
    covered: scoped.map((f) => f.id),
    folderOf: (file) => innermostFolder(scoped, file)?.id ?? record.folder.id,
    coveredBy: record.coveredBy?.display ?? null,
  };
}

function innermostFolder(folders: readonly FolderRow[], file: Buffer): FolderRow | undefined {
  let best: FolderRow | undefined;
  for (const f of folders) {
    if (isAtOrUnderFolder(f.path, file) && (best === undefined || f.path.length > best.path.length)) best = f;
  }
  return best;
}
