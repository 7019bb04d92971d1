// Types of the library's API (engine process): rows as the engine sees them, inputs to record, export records.

import type { Embedding } from '../../shared/embedding-codec.js';
import type { z } from 'zod';
import type {
  FileErrorInfo,
  ImageDetail,
  ImageStatus,
  ImageSummary,
  JobState,
  imageFilterSchema,
  imageSortSchema,
} from '../../shared/contract.js';
import type { FileErrorCode } from '../../shared/file-errors.js';
import type { Prediction } from '../../shared/results.js';

// Defined once, in the contract (the app shows them); the library's modules import them from here.
export { IMAGE_STATUSES, type ImageStatus, type JobState } from '../../shared/contract.js';

/** A file found on disk by a scan. devIno is "dev:ino" in decimal, from a bigint stat (inodes can exceed 2^53). */
export interface SeenFile {
  path: Buffer;
  display: string;
  size: number;
  mtimeMs: number;
  devIno: string;
}

export interface FolderRow {
  id: number;
  path: Buffer;
  display: string;
  watched: boolean;
  addedAt: string;
  lastScanAt: string | null;
}

/** What recording a folder did (Library.recordFolder). */
export interface FolderRecord {
  /** The folder the scan of this path belongs to: its own row, or the one covering it. */
  folder: FolderRow;
  /** The folder already in the library that contains this path (then `folder` is that one); else null. */
  coveredBy: FolderRow | null;
  /** Folders inside this one that it now covers: their photos moved to it and their rows are gone. */
  absorbed: FolderRow[];
}

export interface ImageRow {
  id: number;
  folderId: number | null;
  path: Buffer;
  display: string;
  size: number | null;
  mtimeMs: number | null;
  devIno: string | null;
  sha256: string | null;
  format: string | null;
  width: number | null;
  height: number | null;
  status: ImageStatus;
  errorCode: FileErrorCode | null;
  errorMessage: string | null;
  lastSeenScan: number | null;
  crashCount: number;
  firstSeenAt: string;
  updatedAt: string;
}

export interface SuccessRecord {
  modelId: number;
  provider: string;
  /** ISO 8601 UTC. */
  classifiedAt: string;
  sha256: string;
  size: number;
  format: string;
  width: number;
  height: number;
  /** EXIF capture time ("YYYY-MM-DDTHH:MM:SS"); null or absent when the photo does not say. */
  takenAt?: string | null;
  /** Best first; each label also becomes an auto-suggested tag unless `tags` is given. */
  predictions: readonly Prediction[];
  /** The auto-suggested tags after the tag rules (thresholds, aliases, rollups such as "cat"). */
  tags?: readonly { tag: string; score: number }[];
  /** The photo's pooled features for this model; null drops a stored one; absent leaves it alone. */
  embedding?: Embedding | null;
}

export interface FailureRecord {
  code: FileErrorCode;
  message: string;
  sha256?: string;
  size?: number;
}

export type TagSource = 'auto' | 'user';
export type TagState = 'suggested' | 'accepted' | 'rejected';

export interface TagRow {
  tag: string;
  source: TagSource;
  state: TagState;
  /** The model's score; null for a tag the user added. */
  score: number | null;
}

export interface TagHit {
  imageId: number;
  /** The tag's score; 1 for a tag the user accepted that has none. */
  score: number;
  state: 'suggested' | 'accepted';
}

export interface TagQuery {
  minScore?: number;
  maxScore?: number;
  limit: number;
  offset?: number;
}

/** What a bulk accept changed (or, in a dry run, would change). */
export interface AcceptedSuggestions {
  /** Tags accepted. */
  suggestions: number;
  /** Photos they are on. */
  photos: number;
  /** Per tag, the photos whose suggestion was accepted (empty in a dry run). */
  groups: { tag: string; imageIds: number[] }[];
}

export interface JobRow {
  id: number;
  kind: string;
  state: JobState;
  params: unknown;
  total: number;
  done: number;
  failed: number;
  createdAt: string;
  updatedAt: string;
}

export interface StatusCounts {
  folders: number;
  images: number;
  byStatus: Record<ImageStatus, number>;
  /** Images with at least one tag that is suggested or accepted. */
  tagged: number;
  acceptedTags: number;
  rejectedTags: number;
}

export interface ExportFilter {
  /** Only these images (a selection, or what the grid's filter matches); ids not in the library are skipped. */
  imageIds?: readonly number[];
  /** Only images at or under this folder: byte-wise path prefix, ending on a path-component boundary. */
  folder?: Buffer;
  /** Only images with this tag suggested or accepted (never rejected)… */
  tag?: string;
  /** …at this score or better (a user's accepted tag without a score counts as 1). Default 0. */
  minScore?: number;
  /** Whose predictions to export; default: each image's latest classification. */
  modelId?: number;
}

export interface ExportImage {
  imageId: number;
  /** Display form of the path. */
  path: string;
  status: ImageStatus;
  errorCode: FileErrorCode | null;
  errorMessage: string | null;
  sha256: string | null;
  size: number | null;
  format: string | null;
  width: number | null;
  height: number | null;
  /** Model, provider and time of the exported classification; null when there is none. */
  modelName: string | null;
  provider: string | null;
  classifiedAt: string | null;
  /** Best first. */
  predictions: Prediction[];
  acceptedTags: string[];
  rejectedTags: string[];
  tags: TagRow[];
  /** The other files of the photo's RAW+JPEG pair (display paths), which are left out of the export. */
  companions: string[];
}

/** The photo grid's filter as the app's contract defines it, once parsed (review defaults to 'all'). */
export type GridFilter = z.output<typeof imageFilterSchema>;

/** The grid's order (the contract's, once parsed); absent: by score with a tag filter, else by name. */
export type GridSort = z.output<typeof imageSortSchema>;

/**
 * The contract's grid item and photo details without the URLs the service adds: how pictures are served
 * (app:// in Electron, http in the test bridge) is not the library's business.
 */
export type ImageSummaryRow = Omit<ImageSummary, 'thumbUrl' | 'smallThumbUrl'>;
export type ImageDetailRow = Omit<ImageDetail, 'thumbUrl' | 'smallThumbUrl' | 'previewUrl' | 'fullUrl'>;

/** One page of the grid, and how many images the filter matches in all. */
export interface PagedImages {
  total: number;
  items: ImageSummaryRow[];
}

export interface TagCount {
  tag: string;
  /** Present images with the tag suggested or accepted. */
  count: number;
}

/** A photo that could not be classified, with when that was recorded. */
export type RecordedError = FileErrorInfo & { at: string };
