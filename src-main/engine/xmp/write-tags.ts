// Writing tags back to photos (service process, CLI): sidecars or embedded keywords for a batch, and its options.

import { DEFAULT_MAX_PIXELS } from '../imaging/preprocess-spec.js';
import type { Library } from '../library/library.js';
import { type Hierarchy, loadHierarchy } from '../tagging/hierarchy.js';
import { openExifTool } from './keyword-fields.js';
import { writeEmbedded } from './embed-writer.js';
import { rollupFrom, selectTags } from './merge-keywords.js';
import { type SidecarNaming, writeSidecar } from './sidecar-writer.js';
import { WriteScope } from './write-scope.js';
import { WorkerSupervisor } from '../worker/worker-supervisor.js';
import type { FileJob, PixelHasher, WriteHooks, WriteResult } from './publish-write.js';

export type { PixelHasher, WriteResult } from './publish-write.js';
export type { SidecarNaming } from './sidecar-writer.js';

/** sidecar: an XMP file beside the photo (the photo is never touched); embed: inside the photo (opt-in). */
export type XmpMode = 'sidecar' | 'embed';

export interface WriteProgress {
  done: number;
  total: number;
  current: string | null;
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

/**
 * Writes each image's selected tags (see selectTags) to its sidecar or, with mode 'embed', into the
 * photo, one file at a time with one ExifTool process that is ended before returning. A file that fails
 * is reported ('skipped', reason 'failed: …') and the batch goes on. Returns one result per image id.
 */
export async function writeTagsForImages(
  library: Library,
  imageIds: Iterable<number>,
  options: WriteTagsOptions = {},
): Promise<WriteResult[]> {
  const ids = [...imageIds];
  const mode = options.mode ?? 'sidecar';
  const target = mode === 'embed' ? 'embedded' : 'sidecar';
  const rollup = rollupFrom(options.hierarchy ?? (await loadHierarchy()));
  const results: WriteResult[] = [];
  const cleaned = new Set<string>();
  const scope = await WriteScope.of(library);
  const exiftool = openExifTool();
  const checker = options.pixelHash
    ? { hash: options.pixelHash, close: async () => undefined }
    : workerPixelHasher(options.maxPixels ?? DEFAULT_MAX_PIXELS);
  try {
    for (const [index, imageId] of ids.entries()) {
      if (options.signal?.aborted) break;
      const image = library.getImage(imageId);
      options.onProgress?.({ done: index, total: ids.length, current: image?.display ?? null });
      let result: WriteResult;
      if (image === undefined) {
        result = {
          imageId,
          path: `#${imageId}`,
          action: 'skipped',
          reason: 'not in the library',
          added: [],
          removed: [],
        };
      } else {
        const job: FileJob = {
          library,
          exiftool,
          image,
          photo: image.display,
          selection: selectTags(
            library.tagsForImage(imageId),
            library.predictionWnids(imageId),
            options.minScore ?? 0,
            rollup,
          ),
          previous: library.xmpWritten(imageId, target),
          dryRun: options.dryRun ?? false,
          hooks: options.hooks ?? {},
          cleaned,
          pixelHash: checker.hash,
          scope,
        };
        result = await writeOne(job, options);
      }
      results.push(result);
      options.onResult?.(result);
    }
    options.onProgress?.({ done: results.length, total: ids.length, current: null });
  } finally {
    await Promise.all([exiftool.end(), checker.close()]);
  }
  return results;
}

/** Pixel checks in a worker process of their own, started at the first check (sidecar writes never need one). */
function workerPixelHasher(maxPixels: number): { hash: PixelHasher; close: () => Promise<void> } {
  let worker: Promise<WorkerSupervisor> | null = null;
  return {
    hash: async (file) => {
      worker ??= WorkerSupervisor.start({ model: null });
      const value = await (await worker).task({ kind: 'pixel-hash', path: file, maxPixels });
      if (value.kind !== 'pixel-hash') throw new Error(`unexpected ${value.kind} answer to a pixel check`);
      return value.hash;
    },
    close: async () => {
      const started = await worker?.catch(() => null);
      await started?.close();
    },
  };
}

async function writeOne(job: FileJob, options: WriteTagsOptions): Promise<WriteResult> {
  // exiftool takes file names as UTF-8 text: a name that is not valid UTF-8 cannot be passed exactly.
  if (!Buffer.from(job.photo, 'utf8').equals(job.image.path)) {
    return failed(job, 'the file name is not valid UTF-8: skipped');
  }
  try {
    return options.mode === 'embed'
      ? await writeEmbedded(job)
      : await writeSidecar(job, options.naming ?? 'ext');
  } catch (error) {
    return failed(job, `failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function failed(job: FileJob, reason: string): WriteResult {
  return { imageId: job.image.id, path: job.photo, action: 'skipped', reason, added: [], removed: [] };
}
