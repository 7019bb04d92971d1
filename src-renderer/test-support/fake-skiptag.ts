// Fake window.skiptag for component tests (renderer tests): an in-memory library in place of the preload.
import { vi } from 'vitest';
import type {
  ApiResult,
  DoctorReport,
  ErrorCode,
  EventPayload,
  ExportRequest,
  FolderInfo,
  ImageDetail,
  ImageFilter,
  ImageSummary,
  JobSnapshotInfo,
  ImageSortInput,
  ModelInfo,
  Settings,
  SkiptagApi,
  TagChip,
  TagSummary,
  RequestOutput,
} from '$contract';
import type { SkiptagClient } from '../lib/api';

/**
 * What the fake's handlers throw to fail a request with a code, as the service does; anything else thrown
 * answers with code 'failed', as main's IPC wrapper does.
 */
export class FakeServiceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type FakeImage = ImageSummary;

/** Photo i: every third is red-ish, the rest green; scores spread so confidence bands pick subsets. */
export function makeImage(i: number, folderId = 1): FakeImage {
  const id = i + 1;
  const tag = i % 3 === 0 ? 'red' : 'green';
  const score = 0.3 + ((i * 37) % 70) / 100;
  return {
    id,
    path: `/photos/p${id}.jpg`,
    name: `p${id}.jpg`,
    folderId,
    status: 'ok',
    width: 640,
    height: 480,
    thumbUrl: `http://127.0.0.1:1/thumb/${id}`,
    companions: [],
    smallThumbUrl: `http://127.0.0.1:1/small/${id}`,
    tags: [
      { tag, score, state: 'suggested', source: 'auto' },
      { tag: 'blue', score: 0.05, state: 'suggested', source: 'auto' },
    ],
    errorCode: null,
    takenAt: null,
  };
}

/** The service's review filters, with the display threshold: a suggestion under it does not count. */
function visibleSuggestion(img: FakeImage, min: number): boolean {
  return img.tags.some((t) => t.state === 'suggested' && (t.score ?? 1) >= min);
}

function matches(img: FakeImage, f: ImageFilter): boolean {
  if (f.imageIds !== undefined && !f.imageIds.includes(img.id)) return false;
  if (f.folderId !== undefined && img.folderId !== f.folderId) return false;
  if (f.subfolder && !img.path.includes(`/${f.subfolder}/`)) return false;
  if (f.text && !(f.textIn === 'path' ? img.path : img.name).includes(f.text)) return false;
  if (f.tag) {
    const chip = img.tags.find((t) => t.tag === f.tag && t.state !== 'rejected');
    if (!chip) return false;
    const s = chip.score ?? 1;
    if (s < (f.minScore ?? 0) || s > (f.maxScore ?? 1)) return false;
  }
  const min = f.suggestionMin ?? 0;
  switch (f.review ?? 'all') {
    case 'untagged':
      return (
        img.status === 'ok' && !img.tags.some((t) => t.state === 'accepted') && !visibleSuggestion(img, min)
      );
    case 'needs-review':
      return visibleSuggestion(img, min) && !img.tags.some((t) => t.state === 'accepted');
    case 'errors':
      return img.status === 'error' || img.status === 'crashed';
    default:
      return true;
  }
}

/**
 * A bundled colour model (installed), two catalogue ResNets to download (the first recommended), and the
 * offline demo model the service always lists, not built yet.
 */
export function makeModels(): ModelInfo[] {
  return [
    {
      id: 'colours',
      name: 'Colours demo',
      source: 'bundled',
      installed: true,
      recommended: false,
      bytes: 2048,
      imagenetTop1: null,
    },
    {
      id: 'resnet50-v2-7',
      name: 'ResNet-50',
      source: 'catalog',
      installed: false,
      recommended: true,
      bytes: 102_442_452,
      imagenetTop1: 75.81,
    },
    {
      id: 'resnet18-v1-7',
      name: 'ResNet-18',
      source: 'catalog',
      installed: false,
      recommended: false,
      bytes: 46_820_737,
      imagenetTop1: 69.93,
    },
    {
      id: 'colours-demo',
      name: 'Colour demo (names colours, not objects)',
      source: 'demo',
      installed: false,
      recommended: false,
      bytes: null,
      imagenetTop1: null,
    },
  ];
}

export const FAKE_DOCTOR_REPORT: DoctorReport = {
  platform: 'linux x64',
  onnxruntime: '1.30.0',
  providers: [
    {
      provider: 'cpu',
      available: true,
      loads: true,
      imagesPerSecond: 42.4,
      int8ImagesPerSecond: 131.7,
      reason: null,
    },
    {
      provider: 'cuda',
      available: false,
      loads: false,
      imagesPerSecond: null,
      int8ImagesPerSecond: null,
      reason: 'no NVIDIA driver',
    },
    {
      provider: 'webgpu',
      available: true,
      loads: false,
      imagesPerSecond: null,
      int8ImagesPerSecond: null,
      reason: 'adapter request failed',
    },
  ],
  modelSpeeds: [
    { model: 'resnet50-v2-7', provider: 'cpu', imagesPerSecond: 24.9, reason: null },
    { model: 'resnet50-v2-7-int8', provider: 'cpu', imagesPerSecond: 86.2, reason: null },
    {
      model: 'broken-import',
      provider: 'cpu',
      imagesPerSecond: null,
      reason: 'could not be timed: bad input shape',
    },
  ],
  libraryPath: '/home/me/.local/share/skiptag/library.db',
  modelsDir: '/home/me/.local/share/skiptag/models',
  recommendation:
    'No GPU provider works here; int8 models run faster on this CPU (ResNet-18 here: 42.4 images/s fp32, 131.7 int8 (3.1x)). Install a model, then make an int8 copy with skiptag models quantize.',
};

export type FakeSkiptag = ReturnType<typeof createFakeSkiptag>;

export function createFakeSkiptag(
  options: {
    count?: number;
    images?: FakeImage[];
    models?: ModelInfo[];
    settings?: Partial<Settings>;
    /** Broader tags by tag, as the service finds them in the WordNet hierarchy. */
    parents?: Record<string, string[]>;
    /** Personal tags learned so far (none by default). */
    personalTags?: RequestOutput<'personal:list'>;
  } = {},
) {
  const parents = options.parents ?? {};
  const personalTags = options.personalTags ?? [];
  const images: FakeImage[] =
    options.images ?? Array.from({ length: options.count ?? 0 }, (_, i) => makeImage(i));
  const byId = new Map(images.map((img) => [img.id, img]));
  const folders: FolderInfo[] = [
    { id: 1, path: '/photos', watched: true, imageCount: images.length, lastScanAt: null },
  ];
  let settings: Settings = {
    model: 'colours',
    ep: 'auto',
    providerInUse: 'cpu',
    threshold: 0,
    topK: 5,
    xmpMode: 'sidecar',
    xmpNaming: 'ext',
    pairPrimary: 'raw',
    xmpMinScore: 0,
    ...options.settings,
  };
  const models: ModelInfo[] = options.models ?? makeModels();
  /** Install job id → model id. */
  const installing = new Map<number, string>();
  let nextJobId = 40;
  const progressListeners = new Set<(job: JobSnapshotInfo) => void>();
  const changeListeners = new Set<(change: EventPayload<'library:changed'>) => void>();

  const setChip = (id: number, tag: string, update: (chip: TagChip | undefined) => TagChip | null): void => {
    const img = byId.get(id);
    if (!img) return;
    const old = img.tags.find((t) => t.tag === tag);
    const next = update(old);
    img.tags = img.tags.filter((t) => t.tag !== tag);
    if (next) img.tags = [...img.tags, next];
  };

  const job = (id: number): JobSnapshotInfo => ({
    id,
    kind: 'tag',
    state: 'running',
    progress: { done: 0, total: 10, failed: 0, rate: 0, etaSeconds: null, current: null },
    error: null,
  });

  const api = {
    listFolders: vi.fn(async () => folders.map((f) => ({ ...f }))),
    pickFolders: vi.fn(async () => [] as FolderInfo[]),
    addDroppedFiles: vi.fn(async (_files: readonly unknown[]) => folders.slice(0, 1)),
    removeFolder: vi.fn(async () => ({ ok: true })),
    setWatched: vi.fn(async ({ folderId, watched }: { folderId: number; watched: boolean }) => {
      const f = folders.find((x) => x.id === folderId);
      if (!f) throw new FakeServiceError('not_found', `no folder with id ${folderId}`);
      f.watched = watched;
      return { ...f };
    }),
    rescan: vi.fn(async () => job(7)),
    queryImages: vi.fn(
      async ({
        filter,
        offset,
        limit,
        sort,
      }: {
        filter: ImageFilter;
        offset: number;
        limit: number;
        sort?: ImageSortInput;
      }) => {
        const hits = images.filter((img) => matches(img, filter));
        // An id list keeps its own order unless a sort is asked for (as the service does).
        const list = filter.imageIds;
        if (list && !sort) hits.sort((a, b) => list.indexOf(a.id) - list.indexOf(b.id));
        if (sort?.by === 'name') hits.sort((a, b) => a.path.localeCompare(b.path));
        if (sort?.descending) hits.reverse();
        return {
          total: hits.length,
          items: hits.slice(offset, offset + limit).map((img) => structuredClone(img)),
        };
      },
    ),
    getImage: vi.fn(async ({ imageId }: { imageId: number }): Promise<ImageDetail> => {
      const img = byId.get(imageId);
      if (!img) throw new FakeServiceError('not_found', `no image with id ${imageId}`);
      return {
        ...structuredClone(img),
        previewUrl: img.thumbUrl.replace('thumb', 'preview'),
        fullUrl: img.thumbUrl.replace('thumb', 'full'),
        size: 12345,
        format: 'jpeg',
        sha256: 'ab'.repeat(32),
        errorCode: img.errorCode ?? (img.status === 'error' ? 'corrupt' : null),
        errorMessage: img.status === 'error' ? 'truncated JPEG' : null,
        model: 'colours.onnx',
        provider: 'cpu',
        classifiedAt: '2025-01-01T00:00:00Z',
        predictions: img.tags
          .filter((t) => t.source === 'auto')
          .map((t, rank) => ({ label: t.tag, wnid: `c${rank}`, score: t.score ?? 0, rank: rank + 1 })),
      };
    }),
    listErrors: vi.fn(async () =>
      images
        .filter((img) => img.status === 'error')
        .map((img) => ({
          imageId: img.id,
          path: img.path,
          code: 'corrupt' as const,
          message: 'truncated JPEG',
        })),
    ),
    listTags: vi.fn(async () => [
      { tag: 'red', count: 1 },
      { tag: 'green', count: 2 },
    ]),
    tagSummary: vi.fn(async ({ minScore = 0 }: { minScore?: number }): Promise<TagSummary[]> => {
      const byTag = new Map<string, TagSummary>();
      for (const img of images) {
        for (const chip of img.tags) {
          const row = byTag.get(chip.tag) ?? {
            tag: chip.tag,
            suggested: 0,
            accepted: 0,
            rejected: 0,
            photos: 0,
            parents: parents[chip.tag] ?? [],
          };
          const score = chip.score ?? 1;
          if (chip.state === 'suggested' && score >= minScore) row.suggested++;
          if (chip.state === 'accepted') row.accepted++;
          if (chip.state === 'rejected') row.rejected++;
          if (chip.state !== 'rejected' && score >= minScore) row.photos++;
          byTag.set(chip.tag, row);
        }
      }
      return [...byTag.values()]
        .filter((r) => r.suggested + r.accepted + r.rejected > 0)
        .sort((a, b) => b.photos - a.photos || a.tag.localeCompare(b.tag));
    }),
    tagHistogram: vi.fn(async ({ tag }: { tag?: string }) => {
      const bins = new Array<number>(100).fill(0);
      let accepted = 0;
      let rejected = 0;
      for (const img of images) {
        for (const chip of img.tags) {
          if (tag !== undefined && chip.tag !== tag) continue;
          if (chip.state === 'suggested' && chip.score !== null) {
            const k = Math.min(99, Math.floor(chip.score * 100 + 1e-9));
            bins[k] = (bins[k] ?? 0) + 1;
          }
          if (chip.state === 'accepted') accepted++;
          if (chip.state === 'rejected') rejected++;
        }
      }
      return { bins, suggested: bins.reduce((a, b) => a + b, 0), accepted, rejected };
    }),
    acceptAbove: vi.fn(
      async ({ tag, minScore, dryRun }: { tag?: string; minScore: number; dryRun?: boolean }) => {
        const groups = new Map<string, number[]>();
        for (const img of images) {
          for (const chip of img.tags) {
            if (tag !== undefined && chip.tag !== tag) continue;
            if (chip.state !== 'suggested' || (chip.score ?? 0) < minScore) continue;
            groups.set(chip.tag, [...(groups.get(chip.tag) ?? []), img.id]);
            if (!dryRun) chip.state = 'accepted';
          }
        }
        const all = [...groups.values()].flat();
        return {
          suggestions: all.length,
          photos: new Set(all).size,
          groups: dryRun ? [] : [...groups].map(([t, imageIds]) => ({ tag: t, imageIds })),
        };
      },
    ),
    getOverview: vi.fn(async ({ suggestionMin = 0 }: { suggestionMin?: number }) => ({
      all: images.length,
      needsReview: images.filter((img) => matches(img, { review: 'needs-review', suggestionMin })).length,
      untagged: images.filter((img) => matches(img, { review: 'untagged', suggestionMin })).length,
      errors: images.filter((img) => img.status === 'error' || img.status === 'crashed').length,
      pending: images.filter((img) => img.status === 'pending').length,
    })),
    listSubfolders: vi.fn(async ({ folderId }: { folderId: number }) => {
      const counts = new Map<string, number>();
      for (const img of images) {
        if (img.folderId !== folderId) continue;
        const dir = img.path.split('/').slice(2, -1).join('/');
        counts.set(dir, (counts.get(dir) ?? 0) + 1);
      }
      return [...counts]
        .map(([path, count]) => ({ path, count }))
        .sort((a, b) => a.path.localeCompare(b.path));
    }),
    installDemoModel: vi.fn(async (): Promise<ModelInfo> => {
      const demo = models.find((m) => m.source === 'demo');
      if (!demo) throw new FakeServiceError('failed', 'no demo model in this fake');
      demo.installed = true;
      settings = { ...settings, model: demo.id };
      return { ...demo };
    }),
    setTagState: vi.fn(
      async ({ imageIds, tag, state }: { imageIds: number[]; tag: string; state: TagChip['state'] }) => {
        for (const id of imageIds)
          setChip(id, tag, (old) => (old ? { ...old, state } : { tag, score: null, state, source: 'user' }));
        return { changed: imageIds.length };
      },
    ),
    addTag: vi.fn(async ({ imageIds, tag }: { imageIds: number[]; tag: string }) => {
      for (const id of imageIds)
        setChip(id, tag, (old) =>
          old ? { ...old, state: 'accepted' } : { tag, score: null, state: 'accepted', source: 'user' },
        );
      return { changed: imageIds.length };
    }),
    removeTag: vi.fn(async ({ imageIds, tag }: { imageIds: number[]; tag: string }) => {
      for (const id of imageIds) setChip(id, tag, () => null);
      return { changed: imageIds.length };
    }),
    listJobs: vi.fn(async () => [] as JobSnapshotInfo[]),
    pauseJob: vi.fn(async () => ({ ok: true })),
    resumeJob: vi.fn(async () => ({ ok: true })),
    cancelJob: vi.fn(async () => ({ ok: true })),
    getSettings: vi.fn(async () => ({ ...settings })),
    setSettings: vi.fn(async (patch: Partial<Settings>) => {
      settings = { ...settings, ...patch };
      return { ...settings };
    }),
    listModels: vi.fn(async () => models.map((m) => ({ ...m }))),
    installModel: vi.fn(async ({ id }: { id: string }): Promise<JobSnapshotInfo> => {
      const model = models.find((m) => m.id === id);
      if (!model) throw new FakeServiceError('not_found', `unknown model "${id}"`);
      const jobId = nextJobId++;
      installing.set(jobId, id);
      return {
        id: jobId,
        kind: 'model-install',
        state: 'queued',
        progress: { done: 0, total: model.bytes, failed: 0, rate: 0, etaSeconds: null, current: 'waiting' },
        error: null,
      };
    }),
    quantizeModel: vi.fn(async ({ id }: { id: string }): Promise<JobSnapshotInfo> => {
      if (!models.some((m) => m.id === id && m.installed)) {
        throw new FakeServiceError('model_not_found', `"${id}" is not an installed model`);
      }
      return {
        id: nextJobId++,
        kind: 'model-quantize',
        state: 'queued',
        progress: { done: 0, total: 35, failed: 0, rate: 0, etaSeconds: null, current: 'waiting' },
        error: null,
      };
    }),
    modelSpeedHere: vi.fn(
      async ({ id }: { id: string }): Promise<{ imagesPerSecond: number | null; note: string | null }> => {
        if (!models.some((m) => m.id === id))
          throw new FakeServiceError('not_found', `no catalogue model "${id}"`);
        return { imagesPerSecond: 41.6, note: null };
      },
    ),
    getDoctorReport: vi.fn(async (_input: { benchSeconds?: number }) => structuredClone(FAKE_DOCTOR_REPORT)),
    writeTagsToFiles: vi.fn(
      async ({ imageIds }: { imageIds: number[]; dryRun?: boolean }): Promise<JobSnapshotInfo> => ({
        id: nextJobId++,
        kind: 'xmp-write',
        state: 'queued',
        progress: { done: 0, total: imageIds.length, failed: 0, rate: 0, etaSeconds: null, current: null },
        error: null,
      }),
    ),
    exportLabels: vi.fn(async (_request: ExportRequest): Promise<{ path: string | null; count: number }> => ({
      path: '/tmp/skiptag-export.csv',
      count: images.length,
    })),
    // A fake notion of looks: photos with nearby ids look alike.
    findSimilar: vi.fn(async ({ imageId, top }: { imageId: number; top?: number }) => ({
      items: images
        .filter((img) => img.id !== imageId)
        .map((img) => ({ imageId: img.id, similarity: 1 / (1 + Math.abs(img.id - imageId)) }))
        .sort((a, b) => b.similarity - a.similarity)
        .slice(0, top ?? 100),
      off: null,
    })),
    findNearDuplicates: vi.fn(async (_input: { minSimilarity?: number }) => ({
      groups: images.length >= 2 ? [[images[0]?.id ?? 0, images[1]?.id ?? 0]] : [],
      off: null,
    })),
    listPersonalTags: vi.fn(async () => personalTags.map((t) => ({ ...t }))),
    leastCertain: vi.fn(async ({ tag }: { tag: string; limit?: number }) => ({
      imageIds: images
        .filter((img) => !img.tags.some((t) => t.tag === tag && t.state !== 'suggested'))
        .map((img) => img.id)
        .reverse(),
    })),
    onJobProgress: vi.fn((listener: (job: JobSnapshotInfo) => void) => {
      progressListeners.add(listener);
      return () => progressListeners.delete(listener);
    }),
    onLibraryChanged: vi.fn((listener: (change: EventPayload<'library:changed'>) => void) => {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    }),
  } satisfies SkiptagClient;

  return {
    api,
    images,
    folders,
    emitProgress: (snapshot: JobSnapshotInfo) => progressListeners.forEach((l) => l(snapshot)),
    emitLibraryChanged: (change: EventPayload<'library:changed'> = {}) =>
      changeListeners.forEach((l) => l(change)),
    chip: (id: number, tag: string) => byId.get(id)?.tags.find((t) => t.tag === tag),
    models,
    /** Ends an install job: done marks the model installed first, as the service would; failed with `message`. */
    finishInstall: (
      jobId: number,
      state: 'done' | 'failed' | 'cancelled' = 'done',
      message = 'the download failed',
    ) => {
      const model = models.find((m) => m.id === installing.get(jobId));
      if (!model) throw new Error(`no install job ${jobId}`);
      if (state === 'done') model.installed = true;
      const bytes = model.bytes ?? 0;
      progressListeners.forEach((l) =>
        l({
          id: jobId,
          kind: 'model-install',
          state,
          progress: {
            done: state === 'done' ? bytes : 0,
            total: bytes,
            failed: 0,
            rate: 0,
            etaSeconds: 0,
            current: null,
          },
          error: state === 'failed' ? { code: 'download_failed', message } : null,
        }),
      );
    },
  };
}

/**
 * window.skiptag over the fake's handlers, as the preload gives it to the page: every request answers with an
 * ApiResult envelope (a thrown FakeServiceError keeps its code), the subscriptions pass through.
 */
function asPreload(handlers: SkiptagClient): SkiptagApi {
  const envelope = async (call: () => Promise<unknown>): Promise<ApiResult<unknown>> => {
    try {
      return { ok: true, value: await call() };
    } catch (error) {
      const code = error instanceof FakeServiceError ? error.code : 'failed';
      return { ok: false, error: { code, message: error instanceof Error ? error.message : String(error) } };
    }
  };
  const api: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, (...args: unknown[]) => unknown][]) {
    api[name] =
      name === 'onJobProgress' || name === 'onLibraryChanged'
        ? handler
        : (...args: unknown[]) => envelope(async () => handler(...args));
  }
  return Object.freeze(api) as SkiptagApi;
}

/** Creates a fake library and installs it as window.skiptag; tests drive and inspect `fake.api`'s handlers. */
export function installFakeSkiptag(options: Parameters<typeof createFakeSkiptag>[0] = {}): FakeSkiptag {
  const fake = createFakeSkiptag(options);
  window.skiptag = asPreload(fake.api);
  return fake;
}
