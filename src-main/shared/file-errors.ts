// Per-file error codes shared by engine, CLI and (later) the app: stable strings that appear in CSV/JSON exports.

/**
 * Stable, documented codes. Never rename one: exports, scripts and the library depend on them.
 * - unsupported_format: a real image format Skiptag cannot decode (SVG, BMP, JPEG XL, …)
 * - corrupt: empty, truncated, not an image at all, or undecodable data
 * - too_large: over the pixel limit (decompression bombs) or over the file-size limit
 * - unreadable: permission denied or an I/O error while reading
 * - vanished: the file disappeared between listing and reading
 * - path_error: the path is not a regular file, is too long, or cannot be represented
 * - internal: a bug or an unexpected failure inside Skiptag (please report it)
 * - model_output_invalid: the model's scores for this photo are not numbers (NaN or infinite): the model is
 *   broken or does not suit the photo. Not the file's fault: the library records nothing for it, so the
 *   photo is tried again on the next run (with a model that works).
 * - heif_corrupt: a HEIC/HEIF file libheif cannot decode (damaged, truncated, no primary image, a codec
 *   other than HEVC/AV1)
 * - raw_no_preview: a camera RAW file without a usable embedded JPEG preview (Skiptag shows and tags RAW
 *   files through the preview the camera wrote; it does not develop sensor data)
 */
export const FILE_ERROR_CODES = [
  'unsupported_format',
  'corrupt',
  'too_large',
  'unreadable',
  'vanished',
  'path_error',
  'internal',
  'model_output_invalid',
  'heif_corrupt',
  'raw_no_preview',
] as const;

export type FileErrorCode = (typeof FILE_ERROR_CODES)[number];

/** An error that belongs to one input file; the batch records it and goes on. */
export class FileError extends Error {
  readonly code: FileErrorCode;

  constructor(code: FileErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FileError';
    this.code = code;
  }
}

export function isFileError(value: unknown): value is FileError {
  return value instanceof FileError;
}
