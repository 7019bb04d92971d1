// One handler per request channel of the contract (engine): inputs arrive parsed, outputs match the contract.

import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import type {
  FileErrorInfo,
  FolderInfo,
  RequestChannel,
  RequestOutput,
  REQUESTS,
  Settings,
} from '../../shared/contract.js';
import type { ModelSources } from '../config.js';
import type { FolderRow } from '../library/library-types.js';
import type { Library } from '../library/library.js';
import type { ChangeBatcher } from './ui-events.js';
import type { WorkerManager } from './worker-manager.js';
import type { FolderTracker } from './folder-tracker.js';
import { locateModel } from '../models/locate-model.js';
import { planInputs } from '../scan/input-set.js';
import type { ModelInstallJobs } from './model-install-jobs.js';
import type { ModelQuantizeJobs } from './model-quantize-jobs.js';
import type { PersonalLearner } from './personal-learner.js';
import { SimilarityViews } from './similarity-views.js';
import { DEMO_MODEL_ID, doctorView, listModelInfos, modelCatalog } from './settings-views.js';
import { speedBeforeDownload } from '../doctor/speed-before-download.js';
import { defaultThreads } from '../classify/classifier.js';
import { AppError } from '../../shared/errors.js';
import type { SettingsStore, StoredSettings } from './settings-store.js';
import type { TagJobs } from './tag-jobs.js';
import { enqueueXmpWrite, type XmpJobDeps } from './xmp-jobs.js';
import { tagSummaries } from './review-views.js';
import { importDroppedModels, isModelFile, isPhotoCandidate, writeDemoModel } from './model-files.js';

export type ParsedInput<C extends RequestChannel> = z.infer<(typeof REQUESTS)[C]['input']>;

export type RequestHandlers = {
  [C in RequestChannel]: (input: ParsedInput<C>) => RequestOutput<C> | Promise<RequestOutput<C>>;
};

/** How the renderer loads pictures: the library returns image ids, the service adds these URLs. */
export interface UrlBuilders {
  thumb(imageId: number): string;
  preview(imageId: number): string;
  /** The grid's smaller thumbnail; without it, the thumbnail stands in. */
  small?(imageId: number): string;
  /** The viewer's 100% zoom; without it, the preview stands in. */
  full?(imageId: number): string;
}

function thumbUrls(urls: UrlBuilders, imageId: number): { thumbUrl: string; smallThumbUrl: string } {
  const thumbUrl = urls.thumb(imageId);
  return { thumbUrl, smallThumbUrl: urls.small?.(imageId) ?? thumbUrl };
}

export interface ServiceContext {
  library: Library;
  /** The library file, as the doctor report names it. */
  libraryFile: string;
  /** Start-up caches (the speed a model would have here); null: nothing remembered. */
  cacheDir: string | null;
  /** The models folder, catalogue and mirror from the configuration. */
  modelSources: ModelSources;
  jobs: TagJobs;
  tracker: FolderTracker;
  settings: SettingsStore;
  workers: WorkerManager;
  changes: ChangeBatcher;
  urls: UrlBuilders;
  errors: UnrecordedErrors;
  models: ModelInstallJobs;
  quantize: ModelQuantizeJobs;
  xmp: XmpJobDeps;
  /** Retrains personal tags after the user's decisions change (optional: tests of other parts leave it out). */
  personal?: PersonalLearner;
  /** Similar photos, near duplicates and personal tags from the embeddings (created on demand when absent). */
  similarity?: SimilarityViews;
}

/** Settings the engine fixes when it opens the model: changing one means a new engine for the next job. */
const ENGINE_SETTINGS: readonly (keyof StoredSettings)[] = ['model', 'ep', 'threshold', 'topK'];

export function createHandlers(ctx: ServiceContext): RequestHandlers {
  const folderById = (folderId: number): FolderRow => {
    const folder = ctx.library.getFolder(folderId);
    if (folder === undefined) throw new AppError('not_found', `no folder with id ${folderId}`);
    return folder;
  };
  /** The user's own actions are confirmed at once rather than with the next batch of job results. */
  const imagesChanged = (imageIds: readonly number[]) => {
    ctx.changes.images(imageIds);
    ctx.changes.flush();
    // Every accept, reject, added or removed tag is a lesson for the personal tags.
    ctx.personal?.poke();
  };
  const similarity = ctx.similarity ?? new SimilarityViews(ctx.library);
  const settingsView = (): Settings => ({ ...ctx.settings.get(), providerInUse: ctx.workers.providerInUse });

  return {
    'library:listFolders': () => ctx.library.listFolders().map((f) => ctx.library.folderInfo(f)),
    'library:addFolders': ({ paths }) => addFolders(ctx, paths),
    'library:pickFolders': () => {
      throw new AppError(
        'unsupported',
        'library:pickFolders is handled by the app shell (native folder dialog), which then calls library:addFolders',
      );
    },
    'library:removeFolder': async ({ folderId }) => {
      const folder = ctx.library.getFolder(folderId);
      if (folder === undefined) return { ok: false };
      // Watching and jobs stop first, so nothing writes into the folder while or after it is removed.
      await ctx.tracker.unwatch(folder.display);
      await ctx.jobs.cancelUnder(folder.display);
      ctx.library.removeFolder(folderId);
      ctx.changes.anyImage();
      ctx.changes.foldersChanged();
      ctx.changes.flush();
      return { ok: true };
    },
    'library:setWatched': async ({ folderId, watched }) => {
      const folder = folderById(folderId);
      // A folder now watched covers the watched folders inside it: their own watches stop.
      for (const inner of ctx.library.setFolderWatched(folderId, watched))
        await ctx.tracker.unwatch(inner.display);
      if (watched) {
        ctx.tracker.watch(folder.display);
        // What changed while it was not watched is only found by a scan.
        ctx.jobs.scanFolders([folder.display], true);
      } else await ctx.tracker.unwatch(folder.display);
      ctx.changes.foldersChanged();
      ctx.changes.flush();
      return ctx.library.folderInfo(folderById(folderId));
    },
    'library:rescan': ({ folderId }) => ctx.jobs.scanFolders([folderById(folderId).display], false),
    'images:query': ({ filter, offset, limit, sort }) => {
      const { total, items } = ctx.library.queryImages(filter, { offset, limit }, sort);
      return { total, items: items.map((item) => ({ ...item, ...thumbUrls(ctx.urls, item.id) })) };
    },
    'images:get': ({ imageId }) => {
      const detail = ctx.library.imageDetail(imageId);
      if (detail === undefined) throw new AppError('not_found', `no image with id ${imageId}`);
      return {
        ...detail,
        ...thumbUrls(ctx.urls, imageId),
        previewUrl: ctx.urls.preview(imageId),
        fullUrl: ctx.urls.full?.(imageId) ?? ctx.urls.preview(imageId),
      };
    },
    'images:errors': ({ limit }) =>
      newestErrors(ctx.errors.recent(), ctx.library.recordedErrors(limit), limit),
    'tags:list': () => ctx.library.tagCounts(),
    'library:overview': ({ suggestionMin }) => ctx.library.reviewCounts(suggestionMin),
    'library:subfolders': ({ folderId }) => ctx.library.subfolderCounts(folderById(folderId)),
    'tags:summary': ({ minScore }) => tagSummaries(ctx.library, minScore),
    'tags:histogram': ({ tag }) => ctx.library.scoreHistogram(tag ?? null),
    'tags:acceptAbove': ({ tag, minScore, dryRun }) => {
      const accepted = ctx.library.acceptSuggestionsAbove(tag ?? null, minScore, dryRun);
      if (!dryRun) {
        ctx.changes.flush();
        ctx.personal?.poke();
      }
      return accepted;
    },
    'tags:setState': ({ imageIds, tag, state }) => {
      const changed =
        state === 'suggested'
          ? ctx.library.resetToSuggestion(imageIds, tag)
          : ctx.library.setTagState(imageIds, tag, state);
      imagesChanged(imageIds);
      return { changed };
    },
    'tags:add': ({ imageIds, tag }) => {
      const changed = ctx.library.setTagState(imageIds, tag, 'accepted');
      imagesChanged(imageIds);
      return { changed };
    },
    'tags:remove': ({ imageIds, tag }) => {
      const changed = ctx.library.removeTag(imageIds, tag);
      imagesChanged(imageIds);
      return { changed };
    },
    'images:similar': ({ imageId, top }) => similarity.similar(imageId, top),
    'images:nearDuplicates': ({ minSimilarity }) => similarity.nearDuplicates(minSimilarity),
    'personal:list': () => similarity.personalTags(),
    'personal:leastCertain': ({ tag, limit }) => similarity.leastCertain(tag, limit),
    'jobs:list': () => ctx.jobs.list(),
    'jobs:pause': ({ jobId }) => ({ ok: ctx.jobs.queue.pause(jobId) }),
    'jobs:resume': ({ jobId }) => ({ ok: ctx.jobs.queue.resume(jobId) }),
    'jobs:cancel': ({ jobId }) => ({ ok: ctx.jobs.queue.cancel(jobId) }),
    'settings:get': () => settingsView(),
    'settings:set': async (patch) => {
      // The saved value may come back unchanged with the other settings (it may be a path from an older
      // version or the settings file); anything new must name an installed model.
      if (typeof patch.model === 'string' && patch.model !== ctx.settings.get().model) {
        await checkModelChoice(ctx.modelSources, patch.model);
      }
      const changed = await ctx.settings.update(patch);
      if (changed.some((key) => ENGINE_SETTINGS.includes(key))) ctx.workers.invalidate();
      if (changed.includes('pairPrimary')) {
        // The other half of every RAW+JPEG pair is now the one shown: the grid reloads.
        ctx.library.pairPrimary = ctx.settings.get().pairPrimary;
        ctx.changes.anyImage();
        ctx.changes.flush();
      }
      // A model chosen by hand answers folders that waited for one, as an install does.
      if (changed.includes('model')) ctx.jobs.retryAfterModelInstalled();
      return settingsView();
    },
    'models:list': () => listModelInfos(ctx.modelSources),
    'models:installDemo': async () => {
      await writeDemoModel(ctx.modelSources.dir);
      // The user asked for it: it becomes the model, and what waited for a model starts.
      await ctx.settings.update({ model: DEMO_MODEL_ID });
      ctx.workers.invalidate();
      ctx.jobs.retryAfterModelInstalled();
      const info = (await listModelInfos(ctx.modelSources)).find((m) => m.id === DEMO_MODEL_ID);
      if (info === undefined) throw new AppError('failed', 'the demo model was written but is not listed');
      return info;
    },
    'models:install': ({ id }) => ctx.models.install(id),
    'models:quantize': ({ id }) => ctx.quantize.quantize(id),
    'models:speedHere': async ({ id }) => {
      const entry = (await modelCatalog(ctx.modelSources.catalogFile)).models.find((m) => m.id === id);
      if (entry === undefined) throw new AppError('not_found', `no catalogue model "${id}"`);
      return speedBeforeDownload(entry, { cacheDir: ctx.cacheDir, threads: defaultThreads(), seconds: 1.5 });
    },
    'doctor:get': ({ benchSeconds }) => doctorView(ctx.libraryFile, ctx.modelSources.dir, benchSeconds),
    'xmp:write': ({ imageIds, dryRun }) => enqueueXmpWrite(ctx.xmp, imageIds, dryRun),
    'export:run': () => {
      throw new AppError(
        'unsupported',
        'export:run needs a file to write: the app shell asks where to save and calls exportTo(request, path)',
      );
    },
  };
}

/**
 * The window names models, never files: only the id of an installed, imported or bundled model (what
 * models:list shows as installed) is taken. A path, even to a real model, or a name nothing is installed
 * under, is refused with the same answer, so a renderer cannot make the engine read, or learn anything
 * about, a file outside the models folders. A model file of one's own is imported first (`skiptag models
 * import FILE.onnx --name NAME`) and then chosen by name. Fails here (model_not_found), not at the next job.
 */
async function checkModelChoice(sources: ModelSources, model: string): Promise<void> {
  const installed = (await listModelInfos(sources)).filter((m) => m.installed).map((m) => m.id);
  if (!installed.includes(model)) {
    const shown = JSON.stringify(model.length > 100 ? `${model.slice(0, 100)}…` : model);
    throw new AppError(
      'model_not_found',
      `${shown} is not an installed model (installed: ${installed.join(', ') || 'none'}); install one from the list, or import your own with: skiptag models import FILE.onnx --name NAME`,
    );
  }
  await locateModel(model, sources.dir);
}

/**
 * Dropped or picked paths: folders are recorded and watched; single photos are tagged where they are
 * (they join the library folder that contains them, if any); an .onnx file is imported as a model (with a
 * labels file dropped beside it). All paths are checked before any is recorded: one bad path fails the
 * request and changes nothing. Overlaps are covered, not repeated: the same folder twice (or through a
 * link), a folder inside another one dropped or already watched, a photo inside a dropped folder. A watched
 * folder that takes in folders watched before stops their own watches.
 */
async function addFolders(ctx: ServiceContext, paths: readonly string[]): Promise<FolderInfo[]> {
  const inputs = await Promise.all(paths.map((p) => resolveInput(p)));
  const kinds = new Map(inputs.map((input) => [input.real, input.kind]));
  const modelFiles = [...kinds].filter(([p, kind]) => kind === 'file' && isModelFile(p)).map(([p]) => p);
  if (modelFiles.length > 0) {
    const dropped = [...kinds].filter(([, kind]) => kind === 'file').map(([p]) => p);
    await importDroppedModels(ctx, modelFiles, dropped);
    // A model and the labels that came with it are not photos.
    for (const [p, kind] of kinds) if (kind === 'file' && !isPhotoCandidate(p)) kinds.delete(p);
  }
  // By real path and identity: a link to a folder and the folder itself are one folder.
  const plan = await planInputs([...kinds.keys()]);
  const folders = plan.inputs.filter((p) => kinds.get(p) === 'folder');
  const files = plan.inputs.filter((p) => kinds.get(p) === 'file');
  const rows = new Map<number, FolderRow>();
  const added: string[] = [];
  for (const folder of folders) {
    const record = ctx.library.recordFolder(Buffer.from(folder), folder, true);
    rows.set(record.folder.id, record.folder);
    for (const inner of record.absorbed) {
      rows.delete(inner.id);
      await ctx.tracker.unwatch(inner.display);
    }
    // Inside a folder already watched: nothing new to watch or scan.
    if (record.coveredBy === null) added.push(record.folder.display);
  }
  for (const folder of added) ctx.tracker.watch(folder);
  if (added.length > 0) ctx.jobs.scanFolders(added, true);
  if (files.length > 0) ctx.jobs.scanFolders(files, false);
  ctx.changes.foldersChanged();
  ctx.changes.flush();
  return [...rows.values()].map((row) => ctx.library.folderInfo(ctx.library.getFolder(row.id) ?? row));
}

/** The real path (links followed) and kind of a dropped or picked path: the one place it is looked at. */
async function resolveInput(target: string): Promise<{ real: string; kind: 'folder' | 'file' }> {
  const shown = JSON.stringify(target);
  try {
    const real = await realpath(path.resolve(target));
    const info = await stat(real);
    if (info.isDirectory()) return { real, kind: 'folder' };
    if (info.isFile()) return { real, kind: 'file' };
    throw new AppError('bad_request', `cannot add ${shown}: not a folder or a file`);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'it does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ENOTDIR'
            ? 'a part of the path is not a folder'
            : (error as Error).message;
    throw new AppError('bad_request', `cannot add ${shown}: ${reason}`, { cause: error });
  }
}

export type TimedError = FileErrorInfo & { at: string };

/**
 * Recent per-file errors the library has no row for (broken links and unreadable folders met by a walk), for
 * errors:recent. A bounded ring: these are only for the errors panel, and a bad share could produce
 * thousands.
 */
export class UnrecordedErrors {
  private readonly entries: TimedError[] = [];

  constructor(private readonly max = 200) {}

  add(entry: TimedError): void {
    this.entries.push(entry);
    if (this.entries.length > this.max) this.entries.shift();
  }

  /** Newest first. */
  recent(): TimedError[] {
    return [...this.entries].reverse();
  }
}

/** Two newest-first lists merged, newest first, without the timestamps. */
function newestErrors(a: readonly TimedError[], b: readonly TimedError[], limit: number): FileErrorInfo[] {
  return [...a, ...b]
    .sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0))
    .slice(0, limit)
    .map(({ at: _at, ...info }) => info);
}
