// The app service (engine): the desktop app's requests and events over the library, job queue, watcher and engine.

import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type {
  EventChannel,
  EventPayload,
  ExportRequestParsed,
  RequestChannel,
  RequestInputParsed,
  RequestOutput,
} from '../../shared/contract.js';
import type { ImageVariant } from '../../shared/service-protocol.js';
import type { LogLevel } from '../../shared/worker-protocol.js';
import type { FileResult } from '../../shared/results.js';
import type { ModelSources } from '../config.js';
import { Library } from '../library/library.js';
import type { FolderWatcherOptions } from '../scan/folder-watcher.js';
import { ChangeBatcher, JobEvents } from './ui-events.js';
import { WorkerManager, type WorkerTuning } from './worker-manager.js';
import { runExport } from '../export/library-export.js';
import { outputConflict } from '../export/output-targets.js';
import { FolderTracker } from './folder-tracker.js';
import { ModelInstallJobs, type ModelInstallOptions } from './model-install-jobs.js';
import { ModelQuantizeJobs } from './model-quantize-jobs.js';
import {
  createHandlers,
  type RequestHandlers,
  UnrecordedErrors,
  type UrlBuilders,
} from './request-handlers.js';
import { AppError } from '../../shared/errors.js';
import { SettingsStore } from './settings-store.js';
import { isFinished, TagJobs } from './tag-jobs.js';
import { PersonalLearner } from './personal-learner.js';
import { ThumbStore } from './thumb-store.js';

export interface AppServiceOptions {
  libraryFile: string;
  /** settings.json and the thumbnail cache (thumbs/) live here. */
  dataDir: string;
  /** The model to use unless the `model` setting names one; null: locateModel's search. */
  modelPath: string | null;
  /** The models folder, catalogue and download mirror (SkiptagConfig's `models`, as for the CLI). */
  models: ModelSources;
  workerOptions?: WorkerTuning;
  /** How the renderer loads pictures: app://thumb/<id> in Electron, /thumb/<id> in the test bridge. */
  urls: UrlBuilders;
  watcher?: FolderWatcherOptions;
  includeHidden?: boolean;
  /** Scan the watched folders at startup for what changed while the app was closed (default true). */
  catchUpOnStart?: boolean;
  /** Render grid thumbnails of newly found photos in the background (default true). */
  prewarmThumbnails?: boolean;
  /** models:install tuning (self-test photos, stall timeout); where models come from is `models`. */
  modelInstall?: ModelInstallOptions;
  onLog?: (level: LogLevel, message: string) => void;
}

/** Each event as the arguments of the one 'event' listener: (channel, payload), payload typed by channel. */
export type ServiceEventArgs = { [C in EventChannel]: [channel: C, payload: EventPayload<C>] }[EventChannel];

export class AppService extends EventEmitter<{ event: ServiceEventArgs }> {
  private readonly library: Library;
  private readonly libraryFile: string;
  private readonly jobs: TagJobs;
  private readonly tracker: FolderTracker;
  private readonly workers: WorkerManager;
  private readonly thumbs: ThumbStore;
  private readonly changes: ChangeBatcher;
  private readonly personal: PersonalLearner;
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
    this.libraryFile = options.libraryFile;
    const settings = new SettingsStore(path.join(options.dataDir, 'settings.json'), warn);
    this.library.pairPrimary = settings.get().pairPrimary;
    this.workers = new WorkerManager(() => settings.get(), options.modelPath, options.models.dir, {
      ...options.workerOptions,
      supervisor: { onLog: this.log, ...options.workerOptions?.supervisor },
    });
    this.changes = new ChangeBatcher((change) => this.send('library:changed', change));
    this.progress = new JobEvents((job) => this.send('jobs:progress', job));
    this.thumbs = new ThumbStore(
      this.library,
      path.join(options.dataDir, 'thumbs'),
      async (task) => (await this.workers.rendering()).task(task),
      { maxPixels: this.workers.maxPixels },
      warn,
    );
    const prewarm = options.prewarmThumbnails ?? true;
    this.library.onCommit(({ inserted, changed, anyImage }) => {
      if (inserted.length > 0) {
        this.changes.images(inserted);
        if (prewarm) this.thumbs.prewarm(inserted);
      }
      if (changed.length > 0) this.changes.images(changed);
      if (anyImage) this.changes.anyImage();
    });
    const errors = new UnrecordedErrors();
    this.jobs = new TagJobs({
      library: this.library,
      workers: this.workers,
      includeHidden: options.includeHidden ?? false,
      onResult: (result) => this.noteError(errors, result),
    });
    this.personal = new PersonalLearner(this.library, this.changes, (message) => this.log('info', message));
    this.jobs.queue.on('update', (job) => {
      this.progress.update(job);
      // New photos bring embeddings (and keywords imported from sidecars): personal tags may learn more.
      if (isFinished(job.state) && (job.kind === 'tag' || job.kind === 'watch')) this.personal.poke();
      // Scan times and photo counts of folders change when a tagging run ends.
      if (isFinished(job.state) && (job.kind === 'tag' || job.kind === 'watch'))
        this.changes.foldersChanged();
    });
    this.tracker = new FolderTracker(options.watcher ?? {}, {
      filesChanged: (files) => this.jobs.filesChanged(files),
      fileRemoved: (file) => {
        if (this.library.markMissingPath(Buffer.from(file))) this.changes.anyImage();
      },
      folderBack: (folder) => this.jobs.scanFolders([folder], true),
      warn,
      info: (message) => this.log('info', message),
    });
    const models = new ModelInstallJobs({
      queue: this.jobs.queue,
      settings,
      workers: this.workers,
      installed: () => this.jobs.retryAfterModelInstalled(),
      sources: options.models,
      ...(options.modelInstall ? { options: options.modelInstall } : {}),
    });
    this.handlers = createHandlers({
      library: this.library,
      libraryFile: options.libraryFile,
      cacheDir: options.workerOptions?.cacheDir ?? null,
      modelSources: options.models,
      jobs: this.jobs,
      tracker: this.tracker,
      settings,
      workers: this.workers,
      changes: this.changes,
      urls: options.urls,
      errors,
      models,
      quantize: new ModelQuantizeJobs({
        queue: this.jobs.queue,
        library: this.library,
        workers: this.workers,
        sources: options.models,
      }),
      personal: this.personal,
      xmp: {
        queue: this.jobs.queue,
        library: this.library,
        settings,
        changes: this.changes,
        warn,
        pixelHash: async (file) => {
          const task = { kind: 'pixel-hash' as const, path: file, maxPixels: this.workers.maxPixels };
          const value = await (await this.workers.rendering()).task(task);
          if (value.kind !== 'pixel-hash')
            throw new Error(`unexpected ${value.kind} answer to a pixel check`);
          return value.hash;
        },
      },
    });
    // Folders inside another watched folder (libraries from before folders were kept from overlapping) are
    // covered by it. A watched folder that is not there (an unplugged drive) is watched again when it
    // comes back, and scanned then.
    const watched = this.library.outermostWatched().map((f) => f.display);
    for (const folder of watched) this.tracker.watch(folder);
    const present = watched.filter((folder) => existsSync(folder));
    for (const folder of watched.filter((f) => !present.includes(f)))
      warn(`watched folder ${folder} is not there now: it is watched again when it comes back`);
    if ((options.catchUpOnStart ?? true) && present.length > 0) this.jobs.scanFolders(present, true);
  }

  /**
   * Answers one request. The input was validated against the contract where it crossed the trust
   * boundary (main's IPC wrapper, or the test bridge that plays main); it is not parsed again here.
   */
  async handle<C extends RequestChannel>(
    channel: C,
    input: RequestInputParsed<C>,
  ): Promise<RequestOutput<C>> {
    if (this.closing) throw new AppError('unsupported', 'the app service is closed');
    if (!Object.hasOwn(this.handlers, channel)) {
      throw new AppError(
        'bad_request',
        `unknown request channel ${JSON.stringify(String(channel).slice(0, 100))}`,
      );
    }
    const handler = this.handlers[channel] as (
      input: RequestInputParsed<C>,
    ) => RequestOutput<C> | Promise<RequestOutput<C>>;
    return handler(input);
  }

  /**
   * The grid thumbnail (≤ 256 px JPEG) or the detail view's preview (≤ 1024 px), rendered by the worker
   * process; null for an unknown, missing or undecodable image.
   */
  image(imageId: number, variant: ImageVariant): Promise<Buffer | null> {
    return this.thumbs.get(imageId, variant);
  }

  /** export:run with the file the app shell's save dialog chose. */
  async exportTo(request: ExportRequestParsed, filePath: string): Promise<RequestOutput<'export:run'>> {
    if (this.closing) throw new AppError('unsupported', 'the app service is closed');
    if (filePath === '') throw new AppError('bad_request', 'export needs a file path');
    const conflict = await outputConflict([{ label: 'the export', file: filePath }], {
      library: this.libraryFile,
      isLibraryPhoto: (file) => this.library.getImageByPath(Buffer.from(file)) !== undefined,
    });
    if (conflict !== null) throw new AppError('bad_request', conflict);
    return runExport(this.library, request, filePath);
  }

  /** Resolves when every watched folder is being watched (tests change files only after this). */
  watching(): Promise<void> {
    return this.tracker.ready();
  }

  /** Stops watching, cancels jobs (finished results are kept), stops the engine, closes the library. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.personal.close();
      await this.tracker.close();
      await this.jobs.close();
      await this.thumbs.close();
      await this.workers.close();
      this.progress.close();
      this.changes.close();
      this.library.close();
    })();
    return this.closing;
  }

  private send<C extends EventChannel>(channel: C, payload: EventPayload<C>): void {
    if (this.closing) return;
    (this.emit as (event: 'event', ...args: ServiceEventArgs) => boolean)('event', channel, payload as never);
  }

  /**
   * Failures the library has no row for (broken links, unreadable folders) or does not record (a model
   * whose scores are not numbers) are kept for images:errors.
   */
  private noteError(errors: UnrecordedErrors, result: FileResult): void {
    if (result.status !== 'error') return;
    const image = this.library.getImageByPath(Buffer.from(result.path));
    // A model that produced no numbers leaves the photo's row as it was: only this list shows it.
    if (image !== undefined && result.errorCode !== 'model_output_invalid') return;
    errors.add({
      imageId: image?.id ?? null,
      path: result.path,
      code: result.errorCode ?? 'internal',
      message: result.errorMessage ?? 'could not be read',
      at: result.classifiedAt,
    });
  }
}

export type { UrlBuilders } from './request-handlers.js';
