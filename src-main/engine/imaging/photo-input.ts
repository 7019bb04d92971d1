// One call from a photo path to its slot in the batch tensor: read → sniff → decode/preprocess (engine process).

import { FileError, type FileErrorCode, isFileError } from '../../shared/file-errors.js';
import { DEFAULT_MAX_FILE_BYTES, readPhoto } from './read-photo.js';
import { withDecodableSource } from './camera-source.js';
import { type DecodeGate, preprocessPhoto } from './preprocess.js';
import type { PreprocessSpec } from './preprocess-spec.js';

export interface PhotoInputLimits {
  /** Files larger than this fail with too_large before being read. */
  maxFileBytes: number;
  /** Shares a memory budget with concurrent decodes (the pipeline's); none: decode at once. */
  gate?: DecodeGate;
}

export const DEFAULT_PHOTO_LIMITS: PhotoInputLimits = { maxFileBytes: DEFAULT_MAX_FILE_BYTES };

export interface PhotoInfo {
  /** After EXIF orientation. */
  width: number;
  height: number;
  format: string;
  /** EXIF capture time ("YYYY-MM-DDTHH:MM:SS"), when the file has one. */
  takenAt: string | null;
  /** File size in bytes and SHA-256 (hex) of exactly the bytes that were decoded. */
  size: number;
  sha256: string;
  /** The file holds XMP or IPTC (see DecodedPhoto); null when unknown, e.g. a RAW or HEIC read through a preview. */
  embeddedMetadata: boolean | null;
}

/** A FileError for a file that was read but not decoded: results can still show its size and hash. */
export class ReadPhotoError extends FileError {
  readonly size: number;
  readonly sha256: string;

  constructor(error: FileError, size: number, sha256: string) {
    super(error.code, error.message, { cause: error.cause });
    this.size = size;
    this.sha256 = sha256;
  }
}

/**
 * Reads the file once, refuses formats we do not decode, and writes the normalised CHW image into `out` at
 * `offset`. Every per-file problem is thrown as a FileError (a ReadPhotoError once the bytes were read).
 */
export async function loadAndPreprocess(
  path: Buffer | string,
  spec: PreprocessSpec,
  out: Float32Array,
  offset: number,
  limits: PhotoInputLimits = DEFAULT_PHOTO_LIMITS,
): Promise<PhotoInfo> {
  const { bytes, size, sha256 } = await readPhoto(path, limits.maxFileBytes);
  try {
    // HEIC: its thumbnail item stands in when it covers the resize target (the crop never sees more).
    const need = { shortSide: spec.resizeShorter };
    return await withDecodableSource(bytes, path, need, spec.maxPixels, async (source) => {
      const decoded = await preprocessPhoto(source.bytes, spec, out, offset, limits.gate);
      return {
        width: source.width ?? decoded.width,
        height: source.height ?? decoded.height,
        format: source.format ?? decoded.format,
        takenAt: source.takenAt !== undefined ? source.takenAt : decoded.takenAt,
        size,
        sha256,
        // What was decoded is the file itself only when the source is its own bytes.
        embeddedMetadata: source.bytes === bytes ? decoded.embeddedMetadata : null,
      };
    });
  } catch (error) {
    throw error instanceof FileError ? new ReadPhotoError(error, size, sha256) : error;
  }
}

/** What a failed loadAndPreprocess reports for the file: its code and message, and its size and hash once read. */
export function describeReadFailure(error: unknown): {
  code: FileErrorCode;
  message: string;
  bytes?: number;
  sha256?: string;
} {
  if (error instanceof ReadPhotoError) {
    return { code: error.code, message: error.message, bytes: error.size, sha256: error.sha256 };
  }
  if (isFileError(error)) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `unexpected error: ${message}` };
}
