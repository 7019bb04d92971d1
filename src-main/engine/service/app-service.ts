// The app service (engine): the desktop app's requests and events over the library, job queue, watcher and engine.

import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { ZodError } from 'zod';
import {
  exportRequestSchema,
  isRequestChannel,
  parseRequest,
  type EventChannel,
  type EventPayload,
  type RequestChannel,
  type RequestOutput,
} from '../../shared/contract.js';
import type { LogLevel } from '../../shared/worker-protocol.js';
import type { FileResult } from '../../shared/results.js';
import { Library } from '../library/library.js';
import type { SqlDb } from '../library/sql-db.js';
import type { FolderWatcherOptions } from '../scan/folder-watcher.js';
import { ChangeBatcher } from './change-batcher.js';
import { EngineHost, type EngineTuning } from './worker-manager.js';
import { runExport } from './export-run.js';
import { FolderTracker } from './folder-tracker.js';
import type { UrlBuilders } from '../library/image-query.js';
import { JobEvents } from './job-events.js';
import { ModelInstallJobs, type ModelInstallOptions } from './model-install-jobs.js';
import { observeLibrary } from './observed-library.js';
import { openQueryDb } from './query-db.js';
import { createHandlers, type RequestHandlers } from './request-handlers.js';
import { AppError, describeZodError } from '../../shared/errors.js';
import { SettingsStore } from './settings-store.js';
import { isFinished, TagJobs } from './tag-jobs.js';
import { ThumbStore, type ImageBytes } from './thumb-store.js';
import { UnrecordedErrors } from './unrecorded-errors.js';

export interface AppServiceOptions {
  libraryFile: string;
  /** settings.json and the thumbnail cache (thumbs/) live here. */
  dataDir: string;
  /** The model to use unless the `model` setting names one; null: locateModel's search. */
  modelPath: string | null;
  engineOptions?: EngineTuning;
  /** How the renderer loads pictures: app://thumb/<id> in Electron, /thumb/<id> in the test bridge. */
  urls: UrlBuilders;
  watcher?: FolderWatcherOptions;
  includeHidden?: boolean;
  /** Scan the watched folders at startup for what changed while the app was closed (default true). */
  catchUpOnStart?: boolean;
  /** Render grid thumbnails of newly found photos in the background (default true). */
  prewarmThumbnails?: boolean;
  /**
   * models:install tuning (self-test photos, stall timeout). The models folder, catalogue and mirror come
   * from SKIPTAG_MODELS_DIR, SKIPTAG_MODEL_CATALOG and SKIPTAG_MODEL_MIRROR, as for the CLI.
   */
  modelInstall?: ModelInstallOptions;
  onLog?: (level: LogLevel, message: string) => void;
}

/** Each event as the arguments of the one 'event' listener: (channel, payload), payload typed by channel. */
export type ServiceEventArgs = { [C in EventChannel]: [channel: C, payload: EventPayload<C>] }[EventChannel];

export class AppService extends EventEmitter<{ event: ServiceEventArgs }> {
  private readonly library: Library;
  private readonly db: SqlDb;
  private readonly jobs: TagJobs;
  private readonly tracker: FolderTracker;
  private readonly engines: EngineHost;
  private readonly thumbs: ThumbStore;
  private readonly changes: ChangeBatcher;
  private readonly progress: JobEvents;
  private readonly handlers: RequestHandlers;
  private readonly log: (level: LogLevel, message: string) => void;
  private closing: Promise<void> | null = null;

  /** Opens the library (throws if it cannot), resumes watching the watched folders; no engine yet. */
  constructor(options: AppServiceOptions) {
    super();
    this.log =
      options.onLog ??
      ((level, message) => {
        if (level === 'warn' || level === 'error') console.error(`skiptag service: ${message}`);
      });
    const warn = (message: string) => this.log('warn', message);
    mkdirSync(options.dataDir, { recursive: true });
    this.library = Library.open(options.libraryFile);
    try {
      this.db = openQueryDb(options.libraryFile);
    } catch (error) {
      this.library.close();
      throw error;
    }
    const settings = new SettingsStore(path.join(options.dataDir, 'settings.json'), warn);
    this.engines = new EngineHost(() => settings.get(), options.modelPath, {
      ...options.engineOptions,
      supervisor: { onLog: this.log, ...options.engineOptions?.supervisor },
    });
    this.changes = new ChangeBatcher((change) => this.send('library:changed', change));
    this.progress = new JobEvents((job) => this.send('jobs:progress', job));
    this.thumbs = new ThumbStore(
      this.library,
      path.join(options.dataDir, 'thumbs'),
      { ...(options.engineOptions?.maxPixels ? { maxPixels: options.engineOptions.maxPixels } : {}) },
      warn,
    );
    const prewarm = options.prewarmThumbnails ?? true;
    const observed = observeLibrary(this.library, {
      inserted: (ids) => {
        this.changes.images(ids);
        if (prewarm) this.thumbs.prewarm(ids);
      },
      changed: (ids) => this.changes.images(ids),
      changedUnknown: () => this.changes.anyImage(),
    });
    const errors = new UnrecordedErrors();
    this.jobs = new TagJobs({
      library: observed,
      engines: this.engines,
      includeHidden: options.includeHidden ?? false,
      onResult: (result) => this.noteError(errors, result),
    });
    this.jobs.queue.on('update', (job) => {
      this.progress.update(job);
      // Scan times and photo counts of folders change when a tagging run ends.
      if (isFinished(job.state) && (job.kind === 'tag' || job.kind === 'watch'))
        this.changes.foldersChanged();
    });
    this.tracker = new FolderTracker(options.watcher ?? {}, {
      filesChanged: (files) => this.jobs.filesChanged(files),
      fileRemoved: (file) => {
        if (this.library.markMissingPath(Buffer.from(file))) this.changes.anyImage();
      },
      warn,
    });
    const models = new ModelInstallJobs({
      queue: this.jobs.queue,
      settings,
      engines: this.engines,
      installed: () => this.jobs.retryAfterModelInstalled(),
      ...(options.modelInstall ? { options: options.modelInstall } : {}),
    });
    this.handlers = createHandlers({
      library: this.library,
      libraryFile: options.libraryFile,
      db: this.db,
      jobs: this.jobs,
      tracker: this.tracker,
      settings,
      engines: this.engines,
      changes: this.changes,
      urls: options.urls,
      errors,
      models,
      xmp: { queue: this.jobs.queue, library: this.library, settings, changes: this.changes, warn },
      now: () => new Date().toISOString(),
    });
    const watched = this.library
      .listFolders()
      .filter((f) => f.watched && existsSync(f.display))
      .map((f) => f.display);
    for (const folder of watched) this.tracker.watch(folder);
    if ((options.catchUpOnStart ?? true) && watched.length > 0) this.jobs.scanFolders(watched, true);
  }

  /**
   * Answers one request: the input is parsed with the contract's schema (unknown channel, extra keys or
   * bad values → AppError 'bad_request' naming the fields), the result matches its output schema.
   */
  handle<C extends RequestChannel>(channel: C, rawInput: unknown): Promise<RequestOutput<C>>;
  handle(channel: string, rawInput: unknown): Promise<unknown>;
  async handle(channel: string, rawInput: unknown): Promise<unknown> {
    if (this.closing) throw new AppError('unsupported', 'the app service is closed');
    if (!isRequestChannel(channel)) {
      throw new AppError(
        'bad_request',
        `unknown request channel ${JSON.stringify(String(channel).slice(0, 100))}`,
      );
    }
    let input: unknown;
    try {
      input = parseRequest(channel, rawInput);
    } catch (error) {
      if (error instanceof ZodError) {
        throw new AppError('bad_request', `invalid ${channel} request: ${describeZodError(error)}`);
      }
      throw error;
    }
    return (this.handlers[channel] as (input: unknown) => unknown)(input);
  }

  /** The grid thumbnail (≤ 256 px JPEG), or null for an unknown, missing or undecodable image. */
  thumbnail(imageId: number): Promise<ImageBytes | null> {
    return this.thumbs.get(imageId, 'thumb');
  }

  /** The detail view's preview (≤ 1024 px JPEG), or null. */
  preview(imageId: number): Promise<ImageBytes | null> {
    return this.thumbs.get(imageId, 'preview');
  }

  /** export:run with the file the app shell's save dialog chose. */
  async exportTo(request: unknown, filePath: string): Promise<RequestOutput<'export:run'>> {
    if (this.closing) throw new AppError('unsupported', 'the app service is closed');
    const parsed = exportRequestSchema.safeParse(request);
    if (!parsed.success) {
      throw new AppError('bad_request', `invalid export:run request: ${describeZodError(parsed.error)}`);
    }
    if (typeof filePath !== 'string' || filePath === '') {
      throw new AppError('bad_request', 'export needs a file path');
    }
    return runExport(this.library, this.db, parsed.data, filePath);
  }

  /** Resolves when every watched folder is being watched (tests change files only after this). */
  watching(): Promise<void> {
    return this.tracker.ready();
  }

  /** Stops watching, cancels jobs (finished results are kept), stops the engine, closes the library. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.tracker.close();
      await this.jobs.close();
      await this.thumbs.close();
      await this.engines.close();
      this.progress.close();
      this.changes.close();
      this.db.close();
      this.library.close();
    })();
    return this.closing;
  }

  private send<C extends EventChannel>(channel: C, payload: EventPayload<C>): void {
    if (this.closing) return;
    (this.emit as (event: 'event', ...args: ServiceEventArgs) => boolean)('event', channel, payload as never);
  }

  /** Failures the library has no row for (broken links, unreadable folders) are kept for images:errors. */
  private noteError(errors: UnrecordedErrors, result: FileResult): void {
    if (result.status !== 'error') return;
    if (this.library.getImageByPath(Buffer.from(result.path)) !== undefined) return;
    errors.add({
      imageId: null,
      path: result.path,
      code: result.errorCode ?? 'internal',
      message: result.errorMessage ?? 'could not be read',
      at: result.classifiedAt,
    });
  }
}

export type { UrlBuilders } from '../library/image-query.js';
export type { ImageBytes } from './thumb-store.js';
