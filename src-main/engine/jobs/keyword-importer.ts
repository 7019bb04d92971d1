// Keywords from other tools (engine): read from sidecars/embedded metadata of new or changed photos as user tags.

import type { ExifTool } from 'exiftool-vendored';
import type { Library } from '../library/library.js';
import { openExifTool } from '../xmp/exiftool.js';
import { importExistingKeywords } from '../xmp/read-keywords.js';

/**
 * Starts exiftool only when a photo needs reading, and one read at a time: tagging stays the
 * bottleneck, and a photo with unreadable metadata only loses its keyword import.
 */
export class KeywordImporter {
  private exiftool: ExifTool | null = null;
  private queue: Promise<void> = Promise.resolve();
  failures = 0;

  constructor(private readonly library: Library) {}

  add(imageId: number, path: Buffer, display: string): void {
    // exiftool takes text paths: names that are not valid UTF-8 cannot be read through it.
    if (!Buffer.from(display).equals(path)) return;
    this.queue = this.queue.then(async () => {
      this.exiftool ??= openExifTool();
      try {
        await importExistingKeywords(this.library, imageId, display, this.exiftool);
      } catch {
        this.failures += 1;
      }
    });
  }

  async close(): Promise<void> {
    await this.queue;
    await this.exiftool?.end();
    this.exiftool = null;
  }
}
