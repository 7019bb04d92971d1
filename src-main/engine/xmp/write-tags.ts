// Writing tags back to photos (service process, CLI): sidecars or embedded keywords for a batch, and its options.

import { DEFAULT_MAX_PIXELS } from '../imaging/preprocess-spec.js';
import type { Library } from '../library/library.js';
import type { ImageRow } from '../library/library-types.js';
import { pairKeyOf } from '../library/pairs.js';
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
 * is reported ('skipped', reason 'failed: …') and the batch goes on. The other half of a RAW+JPEG pair is
 * written too, with the same tags (those of the half the library shows); a RAW file always gets a sidecar.
 * Returns one result per file written or skipped: the images asked for, and their pair partners.
 */
export async function writeTagsForImages(
  library: Library,
  imageIds: Iterable<number>,
  options: WriteTagsOptions = {},
): Promise<WriteResult[]> {
  const ids = [...imageIds];
  const mode = options.mode ?? 'sidecar';
  const rollup = rollupFrom(options.hierarchy ?? (await loadHierarchy()));
  const results: WriteResult[] = [];
  const cleaned = new Set<string>();
  const scope = await WriteScope.of(library);
  const exiftool = await openExifTool();
  const checker = options.pixelHash
    ? { hash: options.pixelHash, close: async () => undefined }
    : workerPixelHasher(options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const done = new Set<number>();
  try {
    for (const [index, imageId] of ids.entries()) {
      if (options.signal?.aborted) break;
      if (done.has(imageId)) continue;
      const image = library.getImage(imageId);
      options.onProgress?.({ done: index, total: ids.length, current: image?.display ?? null });
      if (image === undefined) {
        done.add(imageId);
        const result: WriteResult = {
          imageId,
          path: `#${imageId}`,
          action: 'skipped',
          reason: 'not in the library',
          added: [],
          removed: [],
        };
        results.push(result);
        options.onResult?.(result);
        continue;
      }
      // A RAW+JPEG pair is one photo: both files get the tags of the half the user sees.
      const group = [image, ...pairPartnerRows(library, image)];
      const shown = group.find((member) => pairKeyOf(member.path)?.role === library.pairPrimary) ?? image;
      const selection = selectTags(
        library.tagsForImage(shown.id),
        library.predictionWnids(shown.id),
        options.minScore ?? 0,
        rollup,
      );
      for (const member of group) {
        if (done.has(member.id)) continue;
        done.add(member.id);
        // Keywords never go inside a RAW file: its sidecar is what Lightroom, darktable and digiKam read.
        const raw = pairKeyOf(member.path)?.role === 'raw';
        const memberMode: XmpMode = raw ? 'sidecar' : mode;
        const job: FileJob = {
          library,
          exiftool,
          image: member,
          photo: member.display,
          selection,
          previous: library.xmpWritten(member.id, memberMode === 'embed' ? 'embedded' : 'sidecar'),
          dryRun: options.dryRun ?? false,
          hooks: options.hooks ?? {},
          cleaned,
          pixelHash: checker.hash,
          scope,
        };
        const result = await writeOne(job, { ...options, mode: memberMode });
        results.push(result);
        options.onResult?.(result);
      }
    }
    options.onProgress?.({ done: ids.length, total: ids.length, current: null });
  } finally {
    await Promise.all([exiftool.end(), checker.close()]);
  }
  return results;
}

/** The present other halves of an image's RAW+JPEG pair, as full rows. */
function pairPartnerRows(library: Library, image: ImageRow): ImageRow[] {
  return library
    .pairPartners(image.id)
    .map((partner) => library.getImage(partner.id))
    .filter((row): row is ImageRow => row !== undefined);
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
