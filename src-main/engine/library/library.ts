// The library (engine process): the engine's memory in one SQLite file — folders, images, results, tags, jobs.

import { existsSync } from 'node:fs';
import type { FolderInfo } from '../../shared/contract.js';
import { CommitFeed, type CommitListener } from './commit-feed.js';
import { type EmbeddingMatrix, EmbeddingsRepo, type RowAllocator } from './embeddings-repo.js';
import { exportImages } from './export-query.js';
import { FoldersRepo } from './folders-repo.js';
import { matchingImageIds, queryImages } from './image-query.js';
import { ImagesRepo } from './images-repo.js';
import { JobsRepo, type JobProgress } from './jobs-repo.js';
import { LeaseRepo, type LeaseClaim, type LeaseHolder } from './lease-repo.js';
import { isReadOnlyStorage } from './library-errors.js';
import { folderInfo, imageDetail, recordedErrors, statusCounts, tagCounts } from './library-reads.js';
import type {
  AcceptedSuggestions,
  ExportFilter,
  ExportImage,
  FailureRecord,
  FolderRecord,
  FolderRow,
  GridFilter,
  GridSort,
  ImageDetailRow,
  ImageRow,
  ImageStatus,
  JobRow,
  JobState,
  PagedImages,
  RecordedError,
  SeenFile,
  StatusCounts,
  SuccessRecord,
  TagCount,
  TagHit,
  TagQuery,
  TagRow,
} from './library-types.js';
import { MergeRepo, type MergeCounts } from './merge-repo.js';
import { LATEST_SCHEMA_VERSION, LibraryTooNewError, migrate, schemaVersion } from './migrations.js';
import { PersonalRepo } from './personal-repo.js';
import {
  countPairsUnder,
  hiddenIdsSql,
  type PairRole,
  type PartnerFile,
  presentPartners,
  withPartners,
} from './pairs.js';
import { ResultsRepo } from './results-repo.js';
import { SqlDb } from './sql-db.js';
import { TagsRepo } from './tags-repo.js';
import { XmpRepo, type RewrittenFile, type XmpKeyword, type XmpTarget } from './xmp-repo.js';
import {
  reviewCounts,
  scoreHistogram,
  subfolderCounts,
  tagStateCounts,
  wnidsOfTags,
  type ReviewCounts,
  type ScoreHistogram,
  type SubfolderCount,
  type TagStateCounts,
} from './review-queries.js';

export interface LibraryOptions {
  /** Clock for the updated_at/added_at columns (ISO 8601 UTC); tests pin it. */
  now?: () => string;
}

/**
 * A facade over the repositories and queries: every SQL statement of Skiptag runs behind it. Everything
 * is synchronous (libsql's API) and every write is atomic on its own, or part of the caller's batch inside
 * transaction(). One instance per process and file; other processes may open the same file at the same
 * time (WAL, busy timeout).
 *
 * Reads and writes share the one connection. A second one for reads would buy nothing: transactions are
 * synchronous and never span an await, so a read of this process never waits behind a write of its own,
 * and WAL lets it proceed while another process writes.
 */
export class Library {
  private readonly feed: CommitFeed;
  private readonly folders: FoldersRepo;
  private readonly images: ImagesRepo;
  private readonly results: ResultsRepo;
  private readonly tags: TagsRepo;
  private readonly jobs: JobsRepo;
  private readonly xmp: XmpRepo;
  private readonly lease: LeaseRepo;
  /** Photo embeddings per model (similar photos, personal tags). */
  readonly embeddings: EmbeddingsRepo;
  /** Personal tags: training examples, learned classifiers, their suggestions. */
  readonly personal: PersonalRepo;
  /**
   * Which half of a RAW+JPEG pair is the photo the grid and exports show (the user's setting; the other
   * half is still scanned, classified and written to, as the same photo).
   */
  pairPrimary: PairRole = 'raw';
  private readonly merge: MergeRepo;

  private constructor(
    private readonly db: SqlDb,
    now: () => string,
    /** Opened by openForReading on storage that cannot be written: every write fails (SQLITE_READONLY). */
    readonly readOnly = false,
  ) {
    const feed = new CommitFeed(db);
    this.feed = feed;
    this.folders = new FoldersRepo(db, now, feed);
    this.images = new ImagesRepo(db, now, feed);
    this.embeddings = new EmbeddingsRepo(db);
    this.results = new ResultsRepo(db, now, feed, this.embeddings);
    this.tags = new TagsRepo(db, now, feed);
    this.jobs = new JobsRepo(db, now);
    this.xmp = new XmpRepo(db, now, feed);
    this.lease = new LeaseRepo(db);
    this.personal = new PersonalRepo(db, now, feed);
    this.merge = new MergeRepo(db);
  }

  /**
   * Opens the library file, creating it and its folder when needed and bringing an older schema up to
   * date. Throws LibraryTooNewError for a file written by a newer Skiptag.
   */
  static open(file: string, options: LibraryOptions = {}): Library {
    const db = SqlDb.open(file);
    try {
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return new Library(db, options.now ?? (() => new Date().toISOString()));
  }

  /**
   * For commands that only read (export, status): the normal open, or — where the file cannot be written
   * (a read-only disk or folder) — a read-only connection. A read-only file must already be at the latest
   * schema version (it cannot be upgraded where it lies).
   */
  static openForReading(file: string, options: LibraryOptions = {}): Library {
    try {
      return Library.open(file, options);
    } catch (error) {
      if (!isReadOnlyStorage(error) || !existsSync(file)) throw error;
    }
    const db = SqlDb.openReadOnly(file);
    const version = schemaVersion(db);
    if (version !== LATEST_SCHEMA_VERSION) {
      db.close();
      if (version > LATEST_SCHEMA_VERSION) throw new LibraryTooNewError(version, LATEST_SCHEMA_VERSION);
      throw new Error(
        'it was written by an older Skiptag and is read-only here, so it cannot be upgraded: open it once where it can be written',
      );
    }
    return new Library(db, options.now ?? (() => new Date().toISOString()), true);
  }

  close(): void {
    this.db.close();
  }

  schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /** 'ok', or SQLite's findings (page-level integrity, then broken foreign keys), one per line. */
  integrityCheck(): string {
    const problems = this.db.pragmaRows('integrity_check').map((row) => String(Object.values(row)[0]));
    if (problems.length !== 1 || problems[0] !== 'ok') return problems.join('\n');
    const orphans = this.db.pragmaRows('foreign_key_check');
    if (orphans.length === 0) return 'ok';
    return orphans
      .map((row) => `foreign key: ${row.table} row ${String(row.rowid)} → ${row.parent}`)
      .join('\n');
  }

  /**
   * Merges another library (a shard of `tag --shard`) into this one; see MergeRepo for the rules. Both
   * must be at this Skiptag's schema version (open the shard with Library.open first to upgrade it).
   */
  mergeFrom(shardFile: string): MergeCounts {
    // ATTACH takes no bound parameter outside an expression in libsql's binding; quote the literal.
    this.db.exec(`ATTACH DATABASE '${shardFile.replaceAll("'", "''")}' AS shard`);
    try {
      const version = schemaVersion(this.db);
      const shardVersion = Number(this.db.pragma('shard.user_version'));
      if (shardVersion !== version) {
        throw new Error(`the shard library has schema version ${shardVersion}, this one ${version}`);
      }
      return this.merge.mergeAttached();
    } finally {
      this.db.exec('DETACH DATABASE shard');
    }
  }

  /** This connection's settings, for diagnostics (and the tests that pin them). */
  settings(): { journalMode: string; synchronous: number; foreignKeys: boolean; busyTimeoutMs: number } {
    return {
      journalMode: String(this.db.pragma('journal_mode')),
      synchronous: Number(this.db.pragma('synchronous')),
      foreignKeys: Number(this.db.pragma('foreign_keys')) === 1,
      busyTimeoutMs: Number(this.db.pragma('busy_timeout')),
    };
  }

  /** Runs fn atomically; nests (the inner levels become savepoints). fn must be synchronous. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn);
  }

  /**
   * Tells `listener` which images each committed write changed (see LibraryCommit): once the outermost
   * transaction commits, or at once for a write outside one. Returns the unsubscribe function.
   */
  onCommit(listener: CommitListener): () => void {
    return this.feed.subscribe(listener);
  }

  // Folders
  /** A folder the user named, recorded so folders never overlap (see FoldersRepo.recordFolder). */
  recordFolder(path: Buffer, display: string, watched: boolean): FolderRecord {
    return this.folders.recordFolder(path, display, watched);
  }
  upsertFolder(path: Buffer, display: string, watched: boolean): FolderRow {
    return this.folders.upsertFolder(path, display, watched);
  }
  listFolders(): FolderRow[] {
    return this.folders.listFolders();
  }
  /** The watched folders to watch: those inside another watched folder are covered by it. */
  outermostWatched(): FolderRow[] {
    return this.folders.outermostWatched();
  }
  getFolder(id: number): FolderRow | undefined {
    return this.folders.getFolder(id);
  }
  /** Returns the folders inside it that a folder now watched absorbed (see recordFolder). */
  setFolderWatched(id: number, watched: boolean): FolderRow[] {
    return this.folders.setFolderWatched(id, watched);
  }
  removeFolder(id: number): void {
    this.folders.removeFolder(id);
  }
  markFolderScanned(id: number, at: string): void {
    this.folders.markFolderScanned(id, at);
  }

  // Images, as scans see them
  getImage(id: number): ImageRow | undefined {
    return this.images.getImage(id);
  }
  getImageByPath(path: Buffer): ImageRow | undefined {
    return this.images.getImageByPath(path);
  }
  insertImage(seen: SeenFile, folderId: number | null, scan: number): ImageRow {
    return this.images.insertImage(seen, folderId, scan);
  }
  updateSeen(id: number, seen: SeenFile, scan: number, status?: ImageStatus): void {
    this.images.updateSeen(id, seen, scan, status);
  }
  touchSeen(ids: readonly number[], scan: number): void {
    this.images.touchSeen(ids, scan);
  }
  findByDevIno(devIno: string): ImageRow[] {
    return this.images.findByDevIno(devIno);
  }
  findMissingByDevIno(devIno: string): ImageRow[] {
    return this.images.findMissingByDevIno(devIno);
  }
  findMissingBySha(sha256: string): ImageRow | undefined {
    return this.images.findMissingBySha(sha256);
  }
  /** Null when `leaseToken` no longer holds the writer lease (nothing is marked then). */
  markUnseenMissingUnder(
    under: Buffer,
    folderIds: readonly number[],
    scan: number,
    leaseToken: string,
  ): number | null {
    return this.images.markUnseenMissingUnder(under, folderIds, scan, leaseToken);
  }
  markMissingPath(path: Buffer): boolean {
    return this.images.markMissingPath(path);
  }
  movePath(id: number, seen: SeenFile, folderId: number | null, scan: number): void {
    this.images.movePath(id, seen, folderId, scan);
  }
  mergeInto(fromId: number, toId: number): void {
    this.images.mergeInto(fromId, toId);
  }
  needsClassification(imageId: number, modelId: number): boolean {
    return this.images.needsClassification(imageId, modelId);
  }
  imagesToClassify(modelId: number, folderId?: number): IterableIterator<ImageRow> {
    return this.images.imagesToClassify(modelId, folderId);
  }

  // Results
  ensureModel(sha256: string, name: string): number {
    return this.results.ensureModel(sha256, name);
  }
  /** The model's id, or null when no photo was ever classified with it (a read, unlike ensureModel). */
  findModel(sha256: string): number | null {
    return this.results.findModel(sha256);
  }
  recordSuccess(imageId: number, result: SuccessRecord): void {
    this.results.recordSuccess(imageId, result);
  }
  recordFailure(imageId: number, failure: FailureRecord, status: 'error' | 'crashed'): void {
    this.results.recordFailure(imageId, failure, status);
  }
  incrementCrashCount(imageId: number): number {
    return this.results.incrementCrashCount(imageId);
  }

  // Tags: the user's actions and tag search. A decision on one half of a RAW+JPEG pair is the same decision
  // on the other: both files are one photo to the user, whichever is shown now or after a setting change.
  setTagState(imageIds: readonly number[], tag: string, state: 'accepted' | 'rejected'): number {
    return this.db.transaction(() => {
      this.tags.setTagState(this.partnersOnly(imageIds), tag, state);
      return this.tags.setTagState(imageIds, tag, state);
    });
  }
  removeTag(imageIds: readonly number[], tag: string): number {
    return this.db.transaction(() => {
      this.tags.removeTag(this.partnersOnly(imageIds), tag);
      return this.tags.removeTag(imageIds, tag);
    });
  }
  resetToSuggestion(imageIds: readonly number[], tag: string): number {
    return this.db.transaction(() => {
      this.tags.resetToSuggestion(this.partnersOnly(imageIds), tag);
      return this.tags.resetToSuggestion(imageIds, tag);
    });
  }
  /** The other halves of these images' pairs (counts the callers report stay about the images asked for). */
  private partnersOnly(imageIds: readonly number[]): number[] {
    const asked = new Set(imageIds);
    return withPartners(this.db, imageIds).filter((id) => !asked.has(id));
  }
  /**
   * The embeddings of `modelId` for similar photos and near duplicates: one row per photo as the grid shows
   * it (the other half of a RAW+JPEG pair is left out: it is the same photo, and would be its own nearest).
   */
  similarityMatrix(modelId: number, allocate?: RowAllocator): EmbeddingMatrix {
    return this.embeddings.loadMatrix(modelId, hiddenIdsSql(this.pairPrimary), allocate);
  }
  /** The photo the grid shows for this file: itself, or the shown half of its RAW+JPEG pair. */
  shownHalf(imageId: number, matrix: EmbeddingMatrix): number {
    if (matrix.ids.includes(imageId)) return imageId;
    return this.pairPartners(imageId).find((p) => matrix.ids.includes(p.id))?.id ?? imageId;
  }
  /** RAW+JPEG pairs (both files present) at or under a folder. */
  pairsUnder(folder: Buffer): number {
    return countPairsUnder(this.db, folder);
  }
  /** The other files of this image's RAW+JPEG pair that are present (not missing). */
  pairPartners(imageId: number): PartnerFile[] {
    return presentPartners(this.db, imageId);
  }
  tagsForImage(imageId: number): TagRow[] {
    return this.tags.tagsForImage(imageId);
  }
  imagesWithTag(tag: string, query: TagQuery): { total: number; hits: TagHit[] } {
    return this.tags.imagesWithTag(tag, query);
  }
  /** Accepts every suggestion of `tag` (null: of any tag) scoring ≥ minScore; a dry run only counts. */
  acceptSuggestionsAbove(tag: string | null, minScore: number, dryRun = false): AcceptedSuggestions {
    // The photos shown are counted and decided; the other half of each pair takes the same decision.
    return this.db.transaction(() => {
      const accepted = this.tags.acceptSuggestionsAbove(
        tag,
        minScore,
        dryRun,
        hiddenIdsSql(this.pairPrimary),
      );
      for (const group of accepted.groups) {
        this.tags.setTagState(this.partnersOnly(group.imageIds), group.tag, 'accepted');
      }
      return accepted;
    });
  }

  // Jobs
  createJob(kind: string, params: unknown): number {
    return this.jobs.createJob(kind, params);
  }
  getJob(id: number): JobRow | undefined {
    return this.jobs.getJob(id);
  }
  updateJobProgress(id: number, progress: JobProgress): void {
    this.jobs.updateJobProgress(id, progress);
  }
  setJobState(id: number, state: JobState): void {
    this.jobs.setJobState(id, state);
  }
  finishJob(id: number, state: 'done' | 'cancelled' | 'failed'): void {
    this.jobs.finishJob(id, state);
  }
  unfinishedJobs(): JobRow[] {
    return this.jobs.unfinishedJobs();
  }

  // The writer lease: one scan-and-classify run at a time (policy in jobs/writer-lease.ts)
  leaseHolder(): LeaseHolder | null {
    return this.lease.holder();
  }
  claimLease(
    claim: Omit<LeaseHolder, 'acquiredAt'>,
    replaceable: (holder: LeaseHolder) => boolean,
  ): LeaseClaim {
    return this.lease.claim(claim, replaceable);
  }
  heartbeatLease(token: string, nowMs: number): boolean {
    return this.lease.heartbeat(token, nowMs);
  }
  releaseLease(token: string): void {
    this.lease.release(token);
  }
  holdsLease(token: string): boolean {
    return this.lease.holds(token);
  }

  // Keyword write-back (XMP sidecars and embedded metadata)
  xmpWritten(imageId: number, target?: XmpTarget): XmpKeyword[] {
    return this.xmp.writtenKeywords(imageId, target);
  }
  recordXmpWritten(
    imageId: number,
    target: XmpTarget,
    keywords: readonly XmpKeyword[],
    file?: RewrittenFile,
  ): void {
    this.xmp.recordWritten(imageId, target, keywords, file);
  }
  predictionWnids(imageId: number): Map<string, string> {
    return this.xmp.predictionWnids(imageId);
  }
  importKeywordsAsUserTags(imageId: number, keywords: readonly string[]): number {
    return this.xmp.importUserTags(imageId, keywords);
  }

  // Queries
  statusCounts(): StatusCounts {
    return statusCounts(this.db);
  }
  /** Streams matching images in path order (page by page: any library size fits in memory). */
  exportImages(filter: ExportFilter = {}): IterableIterator<ExportImage> {
    return exportImages(this.db, filter, this.pairPrimary);
  }

  // The app's views: the photo grid, folder cards, tag list, one photo's details, recent failures
  /** One page of the grid and the total the filter matches. */
  queryImages(filter: GridFilter, page: { offset: number; limit: number }, sort?: GridSort): PagedImages {
    return queryImages(this.db, filter, page, this.pairPrimary, sort);
  }
  /** Every image id the grid's filter matches, in id order (to export what the grid shows). */
  matchingImageIds(filter: GridFilter): number[] {
    return matchingImageIds(this.db, filter, this.pairPrimary);
  }
  folderInfo(folder: FolderRow): FolderInfo {
    return folderInfo(this.db, folder, this.pairPrimary);
  }
  tagCounts(): TagCount[] {
    return tagCounts(this.db, this.pairPrimary);
  }
  imageDetail(imageId: number): ImageDetailRow | undefined {
    return imageDetail(this.db, imageId);
  }
  recordedErrors(limit: number): RecordedError[] {
    return recordedErrors(this.db, limit);
  }

  // Reviewing in bulk: counts by tag and state, score pictures, the review filters' counts, subfolders
  tagStateCounts(minScore: number): TagStateCounts[] {
    return tagStateCounts(this.db, minScore, this.pairPrimary);
  }
  scoreHistogram(tag: string | null): ScoreHistogram {
    return scoreHistogram(this.db, tag, this.pairPrimary);
  }
  reviewCounts(suggestionMin: number): ReviewCounts {
    return reviewCounts(this.db, suggestionMin, this.pairPrimary);
  }
  subfolderCounts(folder: FolderRow): SubfolderCount[] {
    return subfolderCounts(this.db, folder, this.pairPrimary);
  }
  wnidsOfTags(names: readonly string[]): Map<string, string> {
    return wnidsOfTags(this.db, names);
  }
}

export { LibraryTooNewError, LATEST_SCHEMA_VERSION } from './migrations.js';
export type { LeaseClaim, LeaseHolder, WriterKind } from './lease-repo.js';
export type { JobProgress } from './jobs-repo.js';
export type { MergeCounts } from './merge-repo.js';
export type { CommitListener, LibraryCommit } from './commit-feed.js';
export type { RewrittenFile, XmpKeyword, XmpTarget } from './xmp-repo.js';
