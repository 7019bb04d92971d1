// Writing one classification result into the library (engine): success with predictions, or a per-file failure.

import type { FileErrorCode } from '../../shared/file-errors.js';
import { errorResult, type FileResult } from '../../shared/results.js';
import type { Library } from '../library/library.js';
import { tagsFor, type TaggingRules } from '../tagging/tagging-rules.js';

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
      predictions: result.predictions,
      ...(rules ? { tags: tagsFor(result.predictions, rules) } : {}),
    });
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
