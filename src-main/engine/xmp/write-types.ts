// Types of keyword write-back (engine process): options, per-file results, and one file's write job.

import type { ExifTool } from 'exiftool-vendored';
import type { ImageRow } from '../library/library-types.js';
import type { Library, XmpKeyword } from '../library/library.js';
import type { Hierarchy } from '../tagging/hierarchy.js';
import type { SidecarNaming } from './sidecar-paths.js';
import type { KeywordSelection } from './select-tags.js';

/** sidecar: an XMP file beside the photo (the photo is never touched); embed: inside the photo (opt-in). */
export type XmpMode = 'sidecar' | 'embed';

export interface WriteResult {
  imageId: number;
  /** The photo (display form of its path). */
  path: string;
  /** What was (or, in a dry run, would be) written: the sidecar or the photo; absent when skipped. */
  file?: string;
  /** In a dry run, 'written' means "would be written". */
  action: 'written' | 'unchanged' | 'skipped';
  /** Why it was skipped ('read-only: skipped', 'missing', 'failed: …'), or 'dry run'. */
  reason?: string;
  /** Keywords and 'Skiptag|…' paths added to or removed from the file. */
  added: string[];
  removed: string[];
}

export interface WriteProgress {
  done: number;
  total: number;
  current: string | null;
}

/** Test seams: a hook runs after the temp file is complete and verified, just before it replaces the target. */
export interface WriteHooks {
  beforeReplace?: (tempPath: string, targetPath: string) => void | Promise<void>;
}

export interface WriteTagsOptions {
  /** Default sidecar. */
  mode?: XmpMode;
  /** Sidecar naming; default ext (`photo.jpg.xmp`). */
  naming?: SidecarNaming;
  /** Suggestions scoring below this are not written (accepted tags always are). Default 0. */
  minScore?: number;
  /** Report what would change without writing anything. */
  dryRun?: boolean;
  onProgress?: (progress: WriteProgress) => void;
  /** Each file's result as soon as it is known. */
  onResult?: (result: WriteResult) => void;
  /** Stops between files; the files done so far stay written. */
  signal?: AbortSignal;
  /** Class hierarchy for the Skiptag|… paths; default the bundled ImageNet-1k one. */
  hierarchy?: Hierarchy;
  hooks?: WriteHooks;
  /**
   * Embedding: the SHA-256 of a file's decoded pixels, computed in a worker process (decoding happens only
   * there). Default: a worker started for this batch.
   */
  pixelHash?: PixelHasher;
  /** Largest image the pixel check decodes (pixels per page). */
  maxPixels?: number;
}

export type PixelHasher = (file: string) => Promise<string>;

/** Everything one file's write needs; built by writeTagsForImages. */
export interface FileJob {
  library: Library;
  exiftool: ExifTool;
  image: ImageRow;
  /** The photo's path as a string (exiftool takes no raw bytes). */
  photo: string;
  selection: KeywordSelection;
  /** What Skiptag wrote to this target before. */
  previous: XmpKeyword[];
  dryRun: boolean;
  hooks: WriteHooks;
  /** Folders already cleaned of stale temps during this run. */
  cleaned: Set<string>;
  pixelHash: PixelHasher;
}
