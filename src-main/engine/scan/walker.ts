// Input walker (engine process): turns command-line files and folders into a deterministic stream of paths.

import { type BigIntStats, type Dirent, promises as fsp } from 'node:fs';
import { classifyExtension, isHiddenName, isSystemFileName, isSystemFolderName } from './name-rules.js';
import {
  absolutePathBytes,
  displayPath,
  errnoCode,
  errorItem,
  fsErrorItem,
  joinPathBytes,
  type SkipReason,
  splitPathBytes,
  type WalkItem,
  type WalkOptions,
} from './walk-items.js';

export type { SkipReason, WalkItem, WalkOptions } from './walk-items.js';

/**
 * Yields every photo under the inputs, depth-first, entries in byte order within each folder, plus an
 * item for each error and each skipped entry. Named files are yielded whatever their extension.
 * Streams: memory holds only the listings of the folders on the current path, plus the small
 * bookkeeping of VisitTracker. An aborted signal makes the next step throw its reason.
 */
export async function* walkInputs(
  inputs: readonly string[],
  options: WalkOptions = {},
): AsyncGenerator<WalkItem, void, undefined> {
  const walk = new Walk(options);
  for (const input of inputs) {
    options.signal?.throwIfAborted();
    yield* walk.input(input);
  }
}

/**
 * Number of file items walkInputs would yield, for a progress total while the real walk streams.
 * Counting by running the same walk keeps the two from ever disagreeing about the rules; it only
 * lists folders and stats the rare indirect files, so it is far cheaper than decoding.
 */
export async function countInputs(inputs: readonly string[], options: WalkOptions = {}): Promise<number> {
  let files = 0;
  for await (const item of walkInputs(inputs, options)) if (item.kind === 'file') files++;
  return files;
}

interface Frame {
  path: Buffer;
  folderKey: string;
  entries: Dirent<Buffer>[];
  next: number;
}

type Step = WalkItem | { kind: 'enter'; frame: Frame };

class Walk {
  private readonly tracker = new VisitTracker();
  private readonly includeHidden: boolean;
  private readonly followSymlinks: boolean;
  private readonly signal: AbortSignal | undefined;
  /** Consecutive named files usually share a folder (shell globs): one stat for all of them. */
  private lastParent: { path: Buffer; key: string } | null = null;

  constructor(options: WalkOptions) {
    this.includeHidden = options.includeHidden ?? false;
    this.followSymlinks = options.followSymlinks ?? true;
    this.signal = options.signal;
  }

  async *input(input: string): AsyncGenerator<WalkItem, void, undefined> {
    if (input === '') {
      // path.resolve('') is the working directory: never walk it by accident.
      yield errorItem(Buffer.alloc(0), 'path_error', 'Empty path');
      return;
    }
    const path = absolutePathBytes(input);
    let stats: BigIntStats;
    try {
      stats = await fsp.stat(path, { bigint: true });
    } catch (error) {
      yield errnoCode(error) === 'ENOENT' && (await isSymlink(path))
        ? errorItem(path, 'path_error', 'Broken symbolic link')
        : fsErrorItem(path, error, 'input');
      return;
    }
    if (stats.isDirectory()) {
      const step = await this.enterFolder(path, null, stats);
      if (step.kind === 'enter') yield* this.walkFrames(step.frame);
      else yield step;
    } else if (stats.isFile()) {
      yield await this.indirectFile(path, stats, true);
    } else {
      yield errorItem(path, 'path_error', 'Not a regular file or folder');
    }
  }

  /** Iterative rather than recursive generators: a deep tree costs one frame each, not a yield* chain. */
  private async *walkFrames(root: Frame): AsyncGenerator<WalkItem, void, undefined> {
    const stack = [root];
    for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
      const dirent = frame.entries[frame.next++];
      if (dirent === undefined) {
        stack.pop();
        continue;
      }
      this.signal?.throwIfAborted();
      const step = await this.visitEntry(frame, dirent);
      if (step.kind === 'enter') stack.push(step.frame);
      else yield step;
    }
  }

  private async visitEntry(frame: Frame, dirent: Dirent<Buffer>): Promise<Step> {
    const name = dirent.name;
    const path = joinPathBytes(frame.path, name);
    if (!this.includeHidden && isHiddenName(name)) return skipped(path, 'hidden');
    if (dirent.isDirectory()) return this.enterFolder(path, name, null);
    if (dirent.isFile()) {
      const reason = this.fileSkipReason(name);
      if (reason !== null) return skipped(path, reason);
      if (this.tracker.isClaimed(frame.folderKey, name)) return skipped(path, 'duplicate');
      return { kind: 'file', path, display: displayPath(path), explicit: false };
    }
    if (dirent.isSymbolicLink()) return this.symlink(path, name);
    return skipped(path, 'not_a_regular_file');
  }

  private async symlink(path: Buffer, name: Buffer): Promise<Step> {
    if (!this.followSymlinks) return skipped(path, 'symlink_not_followed');
    let stats: BigIntStats;
    try {
      stats = await fsp.stat(path, { bigint: true });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return errorItem(path, 'path_error', 'Broken symbolic link');
      return fsErrorItem(path, error, 'walk');
    }
    if (stats.isDirectory()) return this.enterFolder(path, name, stats);
    if (!stats.isFile()) return skipped(path, 'not_a_regular_file');
    // Judged by the link's own name: that is the name the user sees in the folder.
    const reason = this.fileSkipReason(name);
    if (reason !== null) return skipped(path, reason);
    return this.indirectFile(path, stats, false);
  }

  /** `name` is null for a command-line folder: the user asked for it, so no name rule applies. */
  private async enterFolder(path: Buffer, name: Buffer | null, known: BigIntStats | null): Promise<Step> {
    if (name !== null && isSystemFolderName(name)) return skipped(path, 'system');
    let stats = known;
    if (stats === null) {
      try {
        stats = await fsp.stat(path, { bigint: true });
      } catch (error) {
        return fsErrorItem(path, error, 'walk');
      }
    }
    const folderKey = inodeKey(stats);
    if (this.tracker.isFolderEntered(folderKey)) return skipped(path, 'already_visited');
    let entries: Dirent<Buffer>[];
    try {
      entries = await fsp.readdir(path, { encoding: 'buffer', withFileTypes: true });
    } catch (error) {
      return fsErrorItem(path, error, 'walk');
    }
    this.tracker.markFolderEntered(folderKey);
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    return { kind: 'enter', frame: { path, folderKey, entries, next: 0 } };
  }

  /** A named file or a symlinked one: the only files worth a stat and a place in the tracker. */
  private async indirectFile(path: Buffer, stats: BigIntStats, explicit: boolean): Promise<WalkItem> {
    const location = await this.realLocation(path);
    if (!this.tracker.acceptIndirect(inodeKey(stats), location)) return skipped(path, 'duplicate');
    return { kind: 'file', path, display: displayPath(path), explicit };
  }

  private async realLocation(path: Buffer): Promise<RealLocation | null> {
    try {
      const real = await fsp.realpath(path, { encoding: 'buffer' });
      const { dir, name } = splitPathBytes(real);
      let parent = this.lastParent;
      if (parent === null || !parent.path.equals(dir)) {
        parent = { path: dir, key: inodeKey(await fsp.stat(dir, { bigint: true })) };
        this.lastParent = parent;
      }
      return { folderKey: parent.key, name, walkYieldsIt: this.fileSkipReason(name) === null };
    } catch (error) {
      // Racing with a rename: dedupe by inode only rather than fail a file that was just readable.
      if (errnoCode(error) === undefined) throw error;
      return null;
    }
  }

  /** The name rules a folder walk applies to a file; null means it is yielded. */
  private fileSkipReason(name: Buffer): SkipReason | null {
    if (isSystemFileName(name)) return 'system';
    if (!this.includeHidden && isHiddenName(name)) return 'hidden';
    if (classifyExtension(name) === 'other') return 'not_a_photo';
    return null;
  }
}

function skipped(path: Buffer, reason: SkipReason): WalkItem {
  return { kind: 'skipped', display: displayPath(path), reason };
}

async function isSymlink(path: Buffer): Promise<boolean> {
  try {
    return (await fsp.lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Identity of a file or folder whatever path reached it (bigint: 64-bit inode numbers stay exact). */
function inodeKey(stats: { dev: bigint; ino: bigint }): string {
  return `${stats.dev}:${stats.ino}`;
}

/** Where a file really lives: its real parent folder's identity and its own name there. */
interface RealLocation {
  folderKey: string;
  name: Buffer;
  /** Whether a walk of that folder yields this name (extension, hidden and system rules). */
  walkYieldsIt: boolean;
}

/**
 * Remembers what a walk has covered, so symlink loops end and each file is yielded once.
 * Why not a Set of every yielded file: getting a file's inode costs one stat per file, which is ~35 µs
 * through libuv versus ~1 µs per entry for readdir, i.e. the whole walk 30× slower, and the set grows
 * with the photo count. Instead the walk stays stat-free for plain files and dedupes by folder:
 * - every folder entered is remembered by (dev, ino); that set grows with the folder count only and
 *   already covers loops, nested or repeated roots, and two symlinks to one folder;
 * - the few files reached "indirectly" (command-line files and symlinks to files) are the only ones
 *   stat'ed; they are remembered by inode and by real location, so a plain listing entry that one of
 *   them already produced is skipped, and an indirect file inside an already-walked folder is dropped.
 * Not deduplicated: two hard links met as plain entries (different names, so arguably different
 * photos to the user) – harmless, the file is only classified twice.
 */
class VisitTracker {
  private readonly folders = new Set<string>();
  private readonly indirectFiles = new Set<string>();
  private readonly claimedLocations = new Set<string>();

  isFolderEntered(folderKey: string): boolean {
    return this.folders.has(folderKey);
  }

  /** Called once the listing succeeded, so an unreadable folder does not hide files named inside it. */
  markFolderEntered(folderKey: string): void {
    this.folders.add(folderKey);
  }

  /** For a plain file entry of a folder being walked: was it already yielded as an indirect file? */
  isClaimed(folderKey: string, name: Buffer): boolean {
    return this.claimedLocations.size > 0 && this.claimedLocations.has(locationKey(folderKey, name));
  }

  /**
   * Decides whether an indirect file is new. `location` is null when the real path could not be
   * resolved; the inode check alone then applies.
   */
  acceptIndirect(fileKey: string, location: RealLocation | null): boolean {
    if (this.indirectFiles.has(fileKey)) return false;
    // A walked folder yields this name itself: before now, or later from a listing still in progress.
    if (location?.walkYieldsIt && this.folders.has(location.folderKey)) return false;
    this.indirectFiles.add(fileKey);
    if (location) this.claimedLocations.add(locationKey(location.folderKey, location.name));
    return true;
  }
}

function locationKey(folderKey: string, name: Buffer): string {
  // latin1 is a 1:1 byte→char mapping, so non-UTF-8 names stay distinct.
  return `${folderKey}/${name.toString('latin1')}`;
}
