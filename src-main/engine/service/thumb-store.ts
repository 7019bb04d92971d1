// Thumbnails and previews for the app (engine): cache keys per image version, bounded work, grid requests first.

import { createHash } from 'node:crypto';
import { isFileError } from '../../shared/file-errors.js';
import {
  PREVIEW_SIZE,
  THUMBNAIL_CONTENT_TYPE,
  THUMBNAIL_SIZE,
  thumbnailFor,
  type ThumbnailOptions,
} from '../imaging/thumbnails.js';
import type { ImageRow } from '../library/library-types.js';
import type { Library } from '../library/library.js';
import type { ImageVariant } from '../../shared/service-protocol.js';

export interface ImageBytes {
  bytes: Buffer;
  contentType: string;
}

/** Queued prewarm requests beyond this are dropped: the grid asks for what it shows anyway. */
const PREWARM_LIMIT = 2000;

/**
 * Decoding is CPU-heavy and the engine is classifying on the same cores, so at most `concurrency` renders
 * run at once; requests from the grid go before prewarming of freshly found photos, and two requests for
 * the same picture share one render.
 */
export class ThumbStore {
  private readonly inFlight = new Map<string, Promise<ImageBytes | null>>();
  private readonly waiting: { high: (() => void)[]; low: (() => void)[] } = { high: [], low: [] };
  private readonly prewarmIds = new Set<number>();
  private active = 0;
  private closed = false;

  constructor(
    private readonly library: Library,
    private readonly cacheDir: string,
    private readonly options: ThumbnailOptions & { concurrency?: number } = {},
    private readonly warn: (message: string) => void = () => undefined,
  ) {}

  /** The JPEG, or null when the image is unknown, missing, or cannot be read or decoded. */
  get(imageId: number, variant: ImageVariant, priority: 'high' | 'low' = 'high'): Promise<ImageBytes | null> {
    const image = this.library.getImage(imageId);
    if (image === undefined || image.status === 'missing' || this.closed) return Promise.resolve(null);
    const size = variant === 'thumb' ? THUMBNAIL_SIZE : PREVIEW_SIZE;
    const key = cacheKey(image, size);
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = this.limited(priority, () => this.render(image, key, size)).finally(() =>
        this.inFlight.delete(key),
      );
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

  /** Stops new work and waits for the renders in progress (they read the library's rows first). */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of [...this.waiting.high.splice(0), ...this.waiting.low.splice(0)]) wake();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async render(image: ImageRow, key: string, size: number): Promise<ImageBytes | null> {
    if (this.closed) return null;
    try {
      const bytes = await thumbnailFor(image.path, this.cacheDir, key, size, this.options);
      return { bytes, contentType: THUMBNAIL_CONTENT_TYPE };
    } catch (error) {
      // Unreadable or undecodable photos have no picture; their error is on the photo itself.
      if (!isFileError(error)) this.warn(`thumbnail of ${image.display}: ${(error as Error).message}`);
      return null;
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
 * reused by SQLite, and the path hash keeps a new photo from inheriting an old cached picture.
 */
function cacheKey(image: ImageRow, pixels: number): string {
  const pathHash = createHash('sha256').update(image.path).digest('hex').slice(0, 12);
  const mtime = Math.trunc(image.mtimeMs ?? 0);
  return `${image.id}-${mtime}-${image.size ?? 0}-${pathHash}-${pixels}`;
}
