// Thumbnails, previews and full-size views for the app (service process): a disk cache keyed by image version, renders done by the worker, grid requests first.

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImageVariant } from '../../shared/service-protocol.js';
import type { TaskValue, WorkerTask } from '../../shared/worker-protocol.js';
import { isFileError } from '../../shared/file-errors.js';
import { FULL_SIZE, PREVIEW_SIZE, SMALL_THUMBNAIL_SIZE, THUMBNAIL_SIZE } from '../imaging/thumbnails.js';
import type { ImageRow } from '../library/library-types.js';
import type { Library } from '../library/library.js';

/** Runs a render in the worker process: the service never decodes a photo itself. */
export type RunTask = (task: WorkerTask) => Promise<TaskValue>;

/** Queued prewarm requests beyond this are dropped: the grid asks for what it shows anyway. */
const PREWARM_LIMIT = 2000;

/**
 * Decoding is CPU-heavy and the classifier works on the same cores, so at most `concurrency` renders run
 * at once; requests from the grid go before prewarming of freshly found photos, and two requests for the
 * same picture share one render. A rendered JPEG is cached under a key that changes with the file, so a
 * cached picture is never stale. The cache holds only JPEGs the worker made; serving one decodes nothing.
 */
export class ThumbStore {
  private readonly inFlight = new Map<string, Promise<Buffer | null>>();
  private readonly waiting: { high: (() => void)[]; low: (() => void)[] } = { high: [], low: [] };
  private readonly prewarmIds = new Set<number>();
  /** Versions of photos whose render crashed the worker twice: not tried again until the file changes. */
  private readonly poisoned = new Set<string>();
  private active = 0;
  private closed = false;

  constructor(
    private readonly library: Library,
    private readonly cacheDir: string,
    private readonly render: RunTask,
    private readonly options: { maxPixels: number; concurrency?: number },
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  /** The JPEG, or null when the image is unknown, missing, or cannot be read or decoded. */
  get(imageId: number, variant: ImageVariant, priority: 'high' | 'low' = 'high'): Promise<Buffer | null> {
    const image = this.library.getImage(imageId);
    // A photo that crashed the classifier's decoder would only crash the renderer too; one the decoder
    // already failed on (empty, corrupt, unsupported) fails again: not read again until it changes (a
    // changed file goes back to pending), however often the grid shows it.
    const unrenderable =
      image === undefined ||
      image.status === 'missing' ||
      image.status === 'crashed' ||
      image.status === 'error';
    if (unrenderable || this.closed) return Promise.resolve(null);
    if (this.poisoned.has(versionKey(image))) return Promise.resolve(null);
    const size = {
      thumb: THUMBNAIL_SIZE,
      small: SMALL_THUMBNAIL_SIZE,
      preview: PREVIEW_SIZE,
      full: FULL_SIZE,
    }[variant];
    const key = `${versionKey(image)}-${size}`;
    // Full-size renders are seen one at a time and are large: rendered when asked, never kept on disk.
    const keep = variant !== 'full';
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = (keep ? this.cached(key) : Promise.resolve(null))
        .then((hit) => hit ?? this.limited(priority, () => this.renderAndCache(image, key, size, keep)))
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  /** Renders grid thumbnails of new photos in the background, after any request from the grid. */
  prewarm(imageIds: readonly number[]): void {
    for (const id of imageIds) {
      if (this.prewarmIds.size >= PREWARM_LIMIT || this.closed) return;
      if (this.prewarmIds.has(id)) continue;
      this.prewarmIds.add(id);
      void this.get(id, 'thumb', 'low').finally(() => this.prewarmIds.delete(id));
    }
  }

  /** Stops new work and waits for the renders in progress. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of [...this.waiting.high.splice(0), ...this.waiting.low.splice(0)]) wake();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async cached(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.fileFor(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        this.warn(`thumbnail cache: ${(error as Error).message}`);
      return null;
    }
  }

  private async renderAndCache(
    image: ImageRow,
    key: string,
    size: number,
    keep: boolean,
  ): Promise<Buffer | null> {
    if (this.closed) return null;
    let jpeg: Buffer;
    try {
      const value = await this.render({
        kind: 'render',
        path: image.path,
        size,
        maxPixels: this.options.maxPixels,
      });
      if (value.kind !== 'render') throw new Error(`unexpected ${value.kind} answer to a render`);
      jpeg = Buffer.from(value.jpeg.buffer, value.jpeg.byteOffset, value.jpeg.byteLength);
    } catch (error) {
      // Unreadable, undecodable or poison photos have no picture; their error is on the photo itself.
      if (!isFileError(error)) this.warn(`thumbnail of ${image.display}: ${(error as Error).message}`);
      else if (error.code === 'internal') {
        this.poisoned.add(versionKey(image));
        this.warn(`thumbnail of ${image.display}: ${error.message}`);
      }
      return null;
    }
    if (keep) await this.writeCacheFile(this.fileFor(key), jpeg);
    return jpeg;
  }

  private fileFor(key: string): string {
    return path.join(this.cacheDir, `${key}.jpg`);
  }

  /** Temp file + rename: a reader never sees half a JPEG, and two writers of one key cannot mix bytes. */
  private async writeCacheFile(file: string, jpeg: Buffer): Promise<void> {
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(this.cacheDir, { recursive: true });
      await writeFile(temp, jpeg);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      // The cache is an optimisation: a full disk or read-only data folder must not hide the photo.
      this.warn(`thumbnail cache: ${(error as Error).message}`);
    }
  }

  private async limited<T>(priority: 'high' | 'low', task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so `active` never overshoots.
    if (this.active >= (this.options.concurrency ?? 2)) {
      await new Promise<void>((resolve) => this.waiting[priority].push(resolve));
    } else this.active += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.high.shift() ?? this.waiting.low.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

/**
 * A new key whenever the file may have changed (mtime, size) and per path: ids of deleted images can be
 * reused by SQLite, and the path hash keeps a new photo from inheriting an old cached picture. Keys become
 * file names: only digits, hex and dashes.
 */
function versionKey(image: ImageRow): string {
  const pathHash = createHash('sha256').update(image.path).digest('hex').slice(0, 12);
  const mtime = Math.trunc(image.mtimeMs ?? 0);
  return `${image.id}-${mtime}-${image.size ?? 0}-${pathHash}`;
}
