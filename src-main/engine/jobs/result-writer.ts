// Writing a tagging run's results into the library (engine): each file's result, batched into ~1 s transactions, and keywords other tools wrote.

import type { ExifTool } from 'exiftool-vendored';
import type { FileErrorCode } from '../../shared/file-errors.js';
import { errorResult, type FileResult } from '../../shared/results.js';
import type { Library } from '../library/library.js';
import type { PersonalScorer } from '../learning/personal-scorer.js';
import { tagsFor, type TaggingRules } from '../tagging/tag-rules.js';
import { openExifTool } from '../xmp/keyword-fields.js';
import { hasSidecar, importExistingKeywords } from '../xmp/read-keywords.js';

/** A walk problem (broken link, unreadable folder) shaped as a result, for reporting only. */
export function walkErrorResult(
  item: { display: string; code: FileErrorCode; message: string },
  model: string,
): FileResult {
  return errorResult({ path: item.display, code: item.code, message: item.message, model, provider: '' });
}

/** Records one result; with tagging rules, the auto tags are the rules' output (aliases, rollups). */
export function recordResult(
  library: Library,
  imageId: number,
  result: FileResult,
  modelId: number,
  rules: TaggingRules | null = null,
  personal: PersonalScorer | null = null,
): void {
  if (result.status === 'ok' && result.sha256) {
    library.recordSuccess(imageId, {
      modelId,
      provider: result.provider,
      classifiedAt: result.classifiedAt,
      sha256: result.sha256,
      size: result.bytes ?? 0,
      format: result.format ?? '',
      width: result.width ?? 0,
      height: result.height ?? 0,
      takenAt: result.takenAt ?? null,
      predictions: result.predictions,
      ...(rules ? { tags: tagsFor(result.predictions, rules) } : {}),
      ...(result.embedding !== undefined ? { embedding: result.embedding } : {}),
    });
    suggestPersonal(library, imageId, result, personal);
    // A file copied or moved across disks has a new inode but the same content: keep the user's tags.
    const previous = library.findMissingBySha(result.sha256);
    if (previous && previous.id !== imageId) library.mergeInto(previous.id, imageId);
    return;
  }
  library.recordFailure(
    imageId,
    {
      code: result.errorCode ?? 'internal',
      message: result.errorMessage ?? 'unknown error',
      ...(result.sha256 ? { sha256: result.sha256 } : {}),
      ...(result.bytes !== null ? { size: result.bytes } : {}),
    },
    'error',
  );
}

/**
 * A photo classified before embeddings existed, run again only for its features: the embedding is stored
 * and its predictions and tags (the user's decisions among them) are left exactly as they were. A failure
 * now is recorded like any other (the file changed under the same size and time, or broke).
 */
export function recordEmbeddingOnly(
  library: Library,
  imageId: number,
  result: FileResult,
  modelId: number,
  rules: TaggingRules | null = null,
  personal: PersonalScorer | null = null,
): void {
  if (result.status === 'ok' && result.embedding) {
    library.embeddings.put(imageId, modelId, result.embedding);
    suggestPersonal(library, imageId, result, personal);
  } else if (result.status !== 'ok') recordResult(library, imageId, result, modelId, rules);
}

/** New photos get the personal tags already learned, as they are classified (`tag`, `watch`, the app). */
function suggestPersonal(
  library: Library,
  imageId: number,
  result: FileResult,
  personal: PersonalScorer | null,
): void {
  if (!personal || personal.empty || !result.embedding) return;
  library.personal.setSuggestions(imageId, personal.suggest(result.embedding));
}

/**
 * Collects database writes and runs them in one transaction when a second has passed or enough have
 * piled up. Committing per file would spend most of the time in fsync; never committing would risk
 * redoing a whole run after a crash. A batch of ≤ 1 s bounds the redo to the work in flight.
 */
export class ResultCommitter {
  private pending: (() => void)[] = [];
  private lastFlush = performance.now();

  constructor(
    private readonly library: Library,
    private readonly maxAgeMs = 1000,
    private readonly maxPending = 256,
  ) {}

  add(write: () => void): void {
    this.pending.push(write);
    if (this.pending.length >= this.maxPending || performance.now() - this.lastFlush >= this.maxAgeMs)
      this.flush();
  }

  flush(): void {
    this.lastFlush = performance.now();
    if (this.pending.length === 0) return;
    const writes = this.pending;
    this.pending = [];
    this.library.transaction(() => {
      for (const write of writes) write();
    });
  }
}

/**
 * Keywords from other tools, read from the sidecars or embedded metadata of new or changed photos as user
 * tags. Starts exiftool only when a photo needs reading, and one read at a time: tagging stays the
 * bottleneck, and a photo with unreadable metadata only loses its keyword import. A photo whose decoder
 * saw no XMP or IPTC in it (`embeddedMetadata` false) and that has no sidecar is not read at all: most
 * photos have no keywords, and exiftool's perl reading each one cost about a tenth of a tagging run.
 */
export class KeywordImporter {
  private exiftool: ExifTool | null = null;
  private queue: Promise<void> = Promise.resolve();
  failures = 0;

  constructor(private readonly library: Library) {}

  add(imageId: number, path: Buffer, display: string, embeddedMetadata: boolean | null = null): void {
    // exiftool takes text paths: names that are not valid UTF-8 cannot be read through it.
    if (!Buffer.from(display).equals(path)) return;
    this.queue = this.queue.then(async () => {
      try {
        const readPhoto = embeddedMetadata !== false;
        if (!readPhoto && !(await hasSidecar(display))) return;
        this.exiftool ??= await openExifTool();
        await importExistingKeywords(this.library, imageId, display, this.exiftool, { readPhoto });
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
