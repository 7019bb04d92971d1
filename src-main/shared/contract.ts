// The app contract (shared): every request, response and event between renderer, preload, main and the app service.
// One definition, zod-validated at each boundary; the renderer imports it with `import type` or through an alias.
// No Node or DOM imports here.

import { z } from 'zod';
import { errorInfoSchema, type ErrorInfo } from './errors.js';
import { EP_CHOICES } from './ep-choices.js';
import { FILE_ERROR_CODES } from './file-errors.js';

export { EP_CHOICES, type EpChoice } from './ep-choices.js';

export { ERROR_CODES, type ErrorCode, type ErrorInfo } from './errors.js';

const id = z.number().int().positive();
const ids = z.array(id).min(1).max(100_000);
const score = z.number().min(0).max(1);
/** Tag names come from users: trimmed, non-empty, bounded, no control characters. */
const tagName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]+$/u, 'no control characters');

/**
 * pending: new or changed, needs classifying · ok: classified · error: could not be read or decoded ·
 * missing: not found by the last scan of its folder (kept, with its tags, in case it comes back) ·
 * crashed: took the decoder down; skipped until the file changes.
 */
export const IMAGE_STATUSES = ['pending', 'ok', 'error', 'missing', 'crashed'] as const;
export const TAG_STATES = ['suggested', 'accepted', 'rejected'] as const;
export const TAG_SOURCES = ['auto', 'user', 'personal'] as const;
export const REVIEW_STATES = ['all', 'untagged', 'needs-review', 'errors'] as const;
/**
 * The grid's orders: name (the path: folder, then file name), taken (EXIF date; photos without one last),
 * added (when the library first saw it), score (the filtered tag's score; only with a tag filter).
 */
export const IMAGE_SORTS = ['name', 'taken', 'added', 'score'] as const;
/** Where the grid's text search looks: the file name, or the whole path (folders included). */
export const TEXT_SCOPES = ['name', 'path'] as const;
/**
 * tag: a folder scan (added, rescanned, or the catch-up at startup) · watch: files the watcher reported ·
 * xmp-write: tags written into the photos or their sidecars · model-install: a catalogue model downloaded.
 */
export const JOB_KINDS = ['tag', 'watch', 'xmp-write', 'model-install', 'model-quantize'] as const;
export const JOB_STATES = ['queued', 'running', 'paused', 'done', 'cancelled', 'failed'] as const;

export type ImageStatus = (typeof IMAGE_STATUSES)[number];
export type ImageSort = (typeof IMAGE_SORTS)[number];
export type JobKind = (typeof JOB_KINDS)[number];
export type JobState = (typeof JOB_STATES)[number];

export const folderInfoSchema = z.strictObject({
  id,
  path: z.string(),
  watched: z.boolean(),
  imageCount: z.number().int().nonnegative(),
  lastScanAt: z.string().nullable(),
});

export const tagChipSchema = z.strictObject({
  tag: z.string(),
  score: z.number().nullable(),
  state: z.enum(TAG_STATES),
  source: z.enum(TAG_SOURCES),
});

export const imageSummarySchema = z.strictObject({
  id,
  path: z.string(),
  name: z.string(),
  folderId: id.nullable(),
  status: z.enum(IMAGE_STATUSES),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  /** URL the renderer may load: app://thumb/<id> in Electron, an http URL in the test bridge. */
  thumbUrl: z.string(),
  /**
   * The same, smaller (≤ 176 px): for cells that show no more than that many device pixels. Chromium keeps
   * about a thousand decoded images however big they are, so smaller pictures keep that cache small.
   */
  smallThumbUrl: z.string(),
  tags: z.array(tagChipSchema),
  /** File names of the other half of a RAW+JPEG pair shown as this one photo (IMG_0001.JPG beside the CR2). */
  companions: z.array(z.string()),
  /** Why a failed photo failed (unsupported, corrupt, too large, unreadable…); null unless status is error/crashed. */
  errorCode: z.enum(FILE_ERROR_CODES).nullable(),
  /** When it was taken (EXIF, the camera's clock, "YYYY-MM-DDTHH:MM:SS"); null when the photo does not say. */
  takenAt: z.string().nullable(),
});

export const imageDetailSchema = imageSummarySchema.extend({
  previewUrl: z.string(),
  /** The photo at full size (up to 8192 px on its longer side) for the viewer's 100% zoom. */
  fullUrl: z.string(),
  size: z.number().int().nullable(),
  format: z.string().nullable(),
  sha256: z.string().nullable(),
  errorMessage: z.string().nullable(),
  model: z.string().nullable(),
  provider: z.string().nullable(),
  classifiedAt: z.string().nullable(),
  predictions: z.array(
    z.strictObject({ label: z.string(), wnid: z.string(), score, rank: z.number().int() }),
  ),
});

export const imageFilterSchema = z.strictObject({
  folderId: id.optional(),
  tag: tagName.optional(),
  minScore: score.optional(),
  maxScore: score.optional(),
  review: z.enum(REVIEW_STATES).default('all'),
  text: z.string().max(200).optional(),
  /** What `text` is matched against (default: the file name only). */
  textIn: z.enum(TEXT_SCOPES).optional(),
  /**
   * Only with folderId: a subfolder of it, '/'-separated and relative ("2024/beach"); no "." or ".." parts.
   * Display names: a folder whose name is not valid UTF-8 cannot be chosen this way.
   */
  subfolder: z
    .string()
    .max(4096)
    .refine((p) => !p.split('/').some((part) => part === '.' || part === '..'), 'no . or .. parts')
    .optional(),
  /**
   * Suggestions scoring below this do not count for the review filters (the window's display threshold):
   * a photo whose only suggestions are hidden is "untagged", not "needs review". Default 0.
   */
  suggestionMin: score.optional(),
  /**
   * Only these photos (More like this, near duplicates, least certain first); without a sort, in this
   * order. Ids the service handed out, at most 5,000.
   */
  imageIds: z
    .array(id)
    .min(1)
    .max(5000)
    .refine((list) => new Set(list).size === list.length, 'no id twice')
    .optional(),
});

export const imageSortSchema = z.strictObject({
  by: z.enum(IMAGE_SORTS),
  descending: z.boolean().default(false),
});

export const tagSummarySchema = z.strictObject({
  tag: z.string(),
  /** Suggestions waiting for a decision at or above the asked minimum. */
  suggested: z.number().int().nonnegative(),
  accepted: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  /** Photos the grid lists for this tag from that minimum (suggested or accepted, score ≥ it). */
  photos: z.number().int().nonnegative(),
  /** Broader tags above it in the WordNet hierarchy, nearest first ("golden retriever" → dog, animal). */
  parents: z.array(z.string()),
});

export const reviewCountsSchema = z.strictObject({
  all: z.number().int().nonnegative(),
  needsReview: z.number().int().nonnegative(),
  untagged: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  pending: z.number().int().nonnegative(),
});

export const jobSnapshotSchema = z.strictObject({
  id,
  kind: z.enum(JOB_KINDS),
  state: z.enum(JOB_STATES),
  progress: z.strictObject({
    done: z.number().int().nonnegative(),
    total: z.number().int().nonnegative().nullable(),
    failed: z.number().int().nonnegative(),
    rate: z.number().nonnegative(),
    etaSeconds: z.number().nonnegative().nullable(),
    current: z.string().nullable(),
  }),
  /** Why a failed job failed: `model_not_found` for a tagging run with no model to tag with. */
  error: errorInfoSchema.nullable(),
});

export const fileErrorInfoSchema = z.strictObject({
  imageId: id.nullable(),
  path: z.string(),
  code: z.enum(FILE_ERROR_CODES),
  message: z.string(),
});

export const settingsSchema = z.strictObject({
  model: z.string().nullable(),
  ep: z.enum(EP_CHOICES),
  /** The provider actually in use (after auto's fallbacks), null before the engine started. */
  providerInUse: z.string().nullable(),
  threshold: score,
  topK: z.number().int().min(1).max(100),
  /** Writing tags back to the photos: sidecar files (default) or embedded keywords (opt-in). */
  xmpMode: z.enum(['sidecar', 'embed']),
  xmpNaming: z.enum(['ext', 'replace']),
  /** Suggestions scoring at least this are written; accepted tags always, rejected never. */
  xmpMinScore: score,
  /** Which file of a RAW+JPEG pair (IMG_0001.CR2 + IMG_0001.JPG) is the photo shown; both get its tags. */
  pairPrimary: z.enum(['raw', 'jpeg']),
});

export const modelInfoSchema = z.strictObject({
  /** Catalogue id or imported name; what `settings.model` takes. */
  id: z.string(),
  name: z.string(),
  /** demo: the colour model built on this computer (names colours, not objects; for trying Skiptag offline). */
  source: z.enum(['catalog', 'imported', 'bundled', 'demo']),
  installed: z.boolean(),
  recommended: z.boolean(),
  bytes: z.number().int().nonnegative().nullable(),
  imagenetTop1: z.number().nullable(),
});

export const doctorProviderSchema = z.strictObject({
  provider: z.string(),
  available: z.boolean(),
  loads: z.boolean(),
  imagesPerSecond: z.number().nullable(),
  /** CPU only: the same benchmark model quantized to int8, to weigh an int8 copy (null: not measured). */
  int8ImagesPerSecond: z.number().nullable(),
  reason: z.string().nullable(),
});

export const doctorModelSpeedSchema = z.strictObject({
  model: z.string(),
  provider: z.string(),
  /** Measured on this machine with the installed file; null: it could not be timed (reason says why). */
  imagesPerSecond: z.number().nullable(),
  reason: z.string().nullable(),
});

export const doctorReportSchema = z.strictObject({
  platform: z.string(),
  onnxruntime: z.string(),
  providers: z.array(doctorProviderSchema),
  /** Each installed model on each provider that loads (empty when the benchmarks were skipped). */
  modelSpeeds: z.array(doctorModelSpeedSchema),
  libraryPath: z.string(),
  modelsDir: z.string(),
  /** Without a working GPU provider: the int8 model to use or make, with its measured speed and accuracy cost. */
  recommendation: z.string().nullable(),
});

export const exportRequestSchema = z.strictObject({
  format: z.enum(['csv', 'json']),
  layout: z.enum(['wide', 'long']).default('wide'),
  scope: z.enum(['all', 'selection', 'filter']),
  imageIds: z.array(id).max(100_000).optional(),
  filter: imageFilterSchema.optional(),
  bom: z.boolean().default(false),
});

/**
 * Request/response pairs. The channel is the key; main registers one handler per channel and checks the
 * sender and the payload; the preload exposes one named function per channel (see API_METHODS).
 */
export const REQUESTS = {
  'library:listFolders': { input: z.strictObject({}), output: z.array(folderInfoSchema) },
  /** Folder paths come only from the preload (dropped files) or main's own dialog, never typed by the page. */
  'library:addFolders': {
    input: z.strictObject({ paths: z.array(z.string().min(1).max(4096)).min(1).max(100) }),
    output: z.array(folderInfoSchema),
  },
  'library:pickFolders': { input: z.strictObject({}), output: z.array(folderInfoSchema) },
  'library:removeFolder': {
    input: z.strictObject({ folderId: id }),
    output: z.strictObject({ ok: z.boolean() }),
  },
  'library:setWatched': {
    input: z.strictObject({ folderId: id, watched: z.boolean() }),
    output: folderInfoSchema,
  },
  'library:rescan': { input: z.strictObject({ folderId: id }), output: jobSnapshotSchema },
  'images:query': {
    input: z.strictObject({
      filter: imageFilterSchema,
      offset: z.number().int().nonnegative(),
      limit: z.number().int().min(1).max(1000),
      /** Default: the tag's score (best first) with a tag filter, else name. */
      sort: imageSortSchema.optional(),
    }),
    output: z.strictObject({ total: z.number().int().nonnegative(), items: z.array(imageSummarySchema) }),
  },
  'images:get': { input: z.strictObject({ imageId: id }), output: imageDetailSchema },
  'images:errors': {
    input: z.strictObject({ limit: z.number().int().min(1).max(1000) }),
    output: z.array(fileErrorInfoSchema),
  },
  /** Every photo present and the counts of each review filter, with the window's display threshold. */
  'library:overview': {
    input: z.strictObject({ suggestionMin: score.default(0) }),
    output: reviewCountsSchema,
  },
  /** The subfolders of a library folder that hold photos, each with the photos directly in it. */
  'library:subfolders': {
    input: z.strictObject({ folderId: id }),
    output: z.array(z.strictObject({ path: z.string(), count: z.number().int().nonnegative() })),
  },
  /** Every tag with counts by state (suggestions from minScore), most photos first, and its broader tags. */
  'tags:summary': {
    input: z.strictObject({ minScore: score.default(0) }),
    output: z.array(tagSummarySchema),
  },
  /** Scores of the suggestions waiting for review, of one tag or all, in 100 bins of 1%. */
  'tags:histogram': {
    input: z.strictObject({ tag: tagName.optional() }),
    output: z.strictObject({
      bins: z.array(z.number().int().nonnegative()).length(100),
      suggested: z.number().int().nonnegative(),
      accepted: z.number().int().nonnegative(),
      rejected: z.number().int().nonnegative(),
    }),
  },
  /**
   * Accepts every suggestion of a tag (or of all tags) scoring at least minScore, in one transaction; a dry
   * run only counts. `groups` (tag → photos) is what an undo sets back to suggested.
   */
  'tags:acceptAbove': {
    input: z.strictObject({
      tag: tagName.optional(),
      minScore: score.refine((s) => s > 0, 'must be above 0'),
      dryRun: z.boolean().default(false),
    }),
    output: z.strictObject({
      suggestions: z.number().int().nonnegative(),
      photos: z.number().int().nonnegative(),
      groups: z.array(z.strictObject({ tag: z.string(), imageIds: z.array(id) })),
    }),
  },
  'tags:list': {
    input: z.strictObject({}),
    output: z.array(z.strictObject({ tag: z.string(), count: z.number().int() })),
  },
  'tags:setState': {
    input: z.strictObject({ imageIds: ids, tag: tagName, state: z.enum(TAG_STATES) }),
    output: z.strictObject({ changed: z.number().int() }),
  },
  'tags:add': {
    input: z.strictObject({ imageIds: ids, tag: tagName }),
    output: z.strictObject({ changed: z.number().int() }),
  },
  'tags:remove': {
    input: z.strictObject({ imageIds: ids, tag: tagName }),
    output: z.strictObject({ changed: z.number().int() }),
  },
  'jobs:list': { input: z.strictObject({}), output: z.array(jobSnapshotSchema) },
  'jobs:pause': { input: z.strictObject({ jobId: id }), output: z.strictObject({ ok: z.boolean() }) },
  'jobs:resume': { input: z.strictObject({ jobId: id }), output: z.strictObject({ ok: z.boolean() }) },
  'jobs:cancel': { input: z.strictObject({ jobId: id }), output: z.strictObject({ ok: z.boolean() }) },
  'settings:get': { input: z.strictObject({}), output: settingsSchema },
  'settings:set': {
    input: settingsSchema.omit({ providerInUse: true }).partial().strict(),
    output: settingsSchema,
  },
  'models:list': { input: z.strictObject({}), output: z.array(modelInfoSchema) },
  /**
   * Builds the offline demo model (the colour classifier) into the models folder, makes it the model if none
   * was chosen, and starts tagging what waited for a model. Nothing is downloaded.
   */
  'models:installDemo': { input: z.strictObject({}), output: modelInfoSchema },
  /** Downloads (resumable, verified, self-tested) as a job: progress on jobs:progress, cancel with jobs:cancel. */
  'models:install': {
    input: z.strictObject({ id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/) }),
    output: jobSnapshotSchema,
  },
  /**
   * An int8 copy of an installed model (as `skiptag models quantize`), calibrated on up to 32 of the library's
   * photos (the shipped reference photos when it has none) and checked against the original: a job. The copy
   * is a new installed model named `<id>-int8`.
   */
  'models:quantize': {
    input: z.strictObject({ id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/) }),
    output: jobSnapshotSchema,
  },
  /**
   * How fast a catalogue model would tag on this computer's CPU, before it is downloaded: its network rebuilt
   * with synthetic weights and timed (a few seconds the first time, then remembered).
   */
  'models:speedHere': {
    input: z.strictObject({ id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/) }),
    output: z.strictObject({ imagesPerSecond: z.number().nullable(), note: z.string().nullable() }),
  },
  'doctor:get': {
    input: z.strictObject({ benchSeconds: z.number().min(0).max(10).default(2) }),
    output: doctorReportSchema,
  },
  /** Writes the selection's tags into XMP sidecars / embedded keywords (per settings) as a job with progress. */
  'xmp:write': {
    input: z.strictObject({ imageIds: ids, dryRun: z.boolean().default(false) }),
    output: jobSnapshotSchema,
  },
  /**
   * The photos that look most like one photo, by cosine similarity of the model's features; `off` says why
   * there are none (the model exposes no features, the photo has none yet).
   */
  'images:similar': {
    input: z.strictObject({ imageId: id, top: z.number().int().min(1).max(1000).default(100) }),
    output: z.strictObject({
      items: z.array(z.strictObject({ imageId: id, similarity: z.number().min(-1).max(1) })),
      off: z.string().nullable(),
    }),
  },
  /** Groups of near-duplicate photos (cosine ≥ minSimilarity, chained), largest first. */
  'images:nearDuplicates': {
    input: z.strictObject({ minSimilarity: score.default(0.95) }),
    output: z.strictObject({ groups: z.array(z.array(id)), off: z.string().nullable() }),
  },
  /** The personal tags learned from the user's decisions, with what they learned from and how well. */
  'personal:list': {
    input: z.strictObject({}),
    output: z.array(
      z.strictObject({
        tag: z.string(),
        positives: z.number().int().nonnegative(),
        negatives: z.number().int().nonnegative(),
        precision: z.number().min(0).max(1).nullable(),
        recall: z.number().min(0).max(1).nullable(),
        trainedAt: z.string(),
      }),
    ),
  },
  /** Active learning: photos without a decision on a personal tag, the ones its classifier is least sure of first. */
  'personal:leastCertain': {
    input: z.strictObject({ tag: tagName, limit: z.number().int().min(1).max(5000).default(500) }),
    output: z.strictObject({ imageIds: z.array(id) }),
  },
  /** Main asks where to save (native dialog) and reveals the written file; the page never names the path. */
  'export:run': {
    input: exportRequestSchema,
    output: z.strictObject({ path: z.string().nullable(), count: z.number().int().nonnegative() }),
  },
} as const;

/** Events pushed from the app service to the renderer on one channel each. */
export const EVENTS = {
  'jobs:progress': jobSnapshotSchema,
  'library:changed': z.strictObject({ imageIds: z.array(id).optional(), folders: z.boolean().optional() }),
} as const;

export type RequestChannel = keyof typeof REQUESTS;
export type EventChannel = keyof typeof EVENTS;
export type RequestInput<C extends RequestChannel> = z.input<(typeof REQUESTS)[C]['input']>;
export type RequestOutput<C extends RequestChannel> = z.infer<(typeof REQUESTS)[C]['output']>;
export type EventPayload<C extends EventChannel> = z.infer<(typeof EVENTS)[C]>;
/** A request's input after validation (defaults filled in): what the service's handlers receive. */
export type RequestInputParsed<C extends RequestChannel> = z.output<(typeof REQUESTS)[C]['input']>;
export type ExportRequestParsed = z.output<typeof exportRequestSchema>;

export type FolderInfo = z.infer<typeof folderInfoSchema>;
export type TagChip = z.infer<typeof tagChipSchema>;
export type TagSummary = z.infer<typeof tagSummarySchema>;
export type ReviewCounts = z.infer<typeof reviewCountsSchema>;
export type ImageSortInput = z.input<typeof imageSortSchema>;
export type ImageSummary = z.infer<typeof imageSummarySchema>;
export type ImageDetail = z.infer<typeof imageDetailSchema>;
export type ImageFilter = z.input<typeof imageFilterSchema>;
export type JobSnapshotInfo = z.infer<typeof jobSnapshotSchema>;
export type FileErrorInfo = z.infer<typeof fileErrorInfoSchema>;
export type Settings = z.infer<typeof settingsSchema>;
export type ExportRequest = z.input<typeof exportRequestSchema>;
export type ModelInfo = z.infer<typeof modelInfoSchema>;
export type DoctorReport = z.infer<typeof doctorReportSchema>;

/** window.skiptag method name for each request channel: exactly what the preload exposes. */
export const API_METHODS = {
  listFolders: 'library:listFolders',
  addFolders: 'library:addFolders',
  pickFolders: 'library:pickFolders',
  removeFolder: 'library:removeFolder',
  setWatched: 'library:setWatched',
  rescan: 'library:rescan',
  queryImages: 'images:query',
  getImage: 'images:get',
  listErrors: 'images:errors',
  listTags: 'tags:list',
  getOverview: 'library:overview',
  listSubfolders: 'library:subfolders',
  tagSummary: 'tags:summary',
  tagHistogram: 'tags:histogram',
  acceptAbove: 'tags:acceptAbove',
  installDemoModel: 'models:installDemo',
  setTagState: 'tags:setState',
  addTag: 'tags:add',
  removeTag: 'tags:remove',
  listJobs: 'jobs:list',
  pauseJob: 'jobs:pause',
  resumeJob: 'jobs:resume',
  cancelJob: 'jobs:cancel',
  getSettings: 'settings:get',
  setSettings: 'settings:set',
  exportLabels: 'export:run',
  listModels: 'models:list',
  installModel: 'models:install',
  quantizeModel: 'models:quantize',
  modelSpeedHere: 'models:speedHere',
  getDoctorReport: 'doctor:get',
  writeTagsToFiles: 'xmp:write',
  findSimilar: 'images:similar',
  findNearDuplicates: 'images:nearDuplicates',
  listPersonalTags: 'personal:list',
  leastCertain: 'personal:leastCertain',
} as const satisfies Record<string, RequestChannel>;

export type ApiMethod = keyof typeof API_METHODS;

/**
 * What every request answers, failed or not. Main's IPC wrapper builds it (a rejected ipcMain.handle reaches
 * the page as a bare message: Electron and the contextBridge drop an error's `code`), the preload passes it
 * on, and the renderer's API module turns `ok: false` into an error whose `code` the stores branch on.
 */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/**
 * The API the renderer sees as window.skiptag. `addDroppedFiles` takes File objects from a drop event:
 * the preload turns them into paths with webUtils.getPathForFile, so the page never supplies a path.
 */
export type SkiptagApi = {
  [M in Exclude<ApiMethod, 'addFolders'>]: (
    input: RequestInput<(typeof API_METHODS)[M]>,
  ) => Promise<ApiResult<RequestOutput<(typeof API_METHODS)[M]>>>;
} & {
  addDroppedFiles: (files: readonly unknown[]) => Promise<ApiResult<FolderInfo[]>>;
  onJobProgress: (listener: (job: JobSnapshotInfo) => void) => () => void;
  onLibraryChanged: (listener: (change: EventPayload<'library:changed'>) => void) => () => void;
};

/** Parses a request payload for `channel`, throwing a ZodError that names the bad fields. */
export function parseRequest<C extends RequestChannel>(
  channel: C,
  payload: unknown,
): z.infer<(typeof REQUESTS)[C]['input']> {
  return REQUESTS[channel].input.parse(payload) as z.infer<(typeof REQUESTS)[C]['input']>;
}

export function isRequestChannel(value: unknown): value is RequestChannel {
  return typeof value === 'string' && Object.hasOwn(REQUESTS, value);
}
