// Remembers what a walk has covered (engine process): symlink loops end and each file is yielded once.

/** Identity of a file or folder whatever path reached it (bigint: 64-bit inode numbers stay exact). */
export function inodeKey(stats: { dev: bigint; ino: bigint }): string {
  return `${stats.dev}:${stats.ino}`;
}

/** Where a file really lives: its real parent folder's identity and its own name there. */
export interface RealLocation {
  folderKey: string;
  name: Buffer;
  /** Whether a walk of that folder yields this name (extension, hidden and system rules). */
  walkYieldsIt: boolean;
}

/**
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
export class VisitTracker {
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
