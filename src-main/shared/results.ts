// Result records produced by the engine for each input file, and the class labels they name (shared); consumed by exporters, CLI and app.

import type { Embedding } from './embedding-codec.js';
import type { FileErrorCode } from './file-errors.js';

/** One class of a classifier's label set, in output-index order. */
export interface ClassLabel {
  /** WordNet id (nXXXXXXXX) or '' for label sets without one. */
  wnid: string;
  /** Readable name, e.g. "tabby". */
  name: string;
}

/** One ranked class of a classifier's output. */
export interface Prediction {
  /** Output index of the class in the model's [N,K] output. */
  index: number;
  /** Human-readable label, e.g. "tabby". */
  label: string;
  /** WordNet id, e.g. "n02123045"; empty string when the label set has none. */
  wnid: string;
  /** Softmax probability in [0, 1]. */
  score: number;
}

/** Everything known about one input file after a tagging run. */
export interface FileResult {
  /** Absolute path, display form (invalid UTF-8 bytes shown as U+FFFD). */
  path: string;
  status: 'ok' | 'error';
  errorCode: FileErrorCode | null;
  errorMessage: string | null;
  /** Top-k predictions, best first, already filtered by the threshold. Empty on error. */
  predictions: Prediction[];
  /** Decoded image size after EXIF orientation, when known. */
  width: number | null;
  height: number | null;
  /** Format as reported by the decoder (jpeg, png, webp, …), when known. */
  format: string | null;
  /** When the photo was taken (EXIF DateTimeOriginal as "YYYY-MM-DDTHH:MM:SS", no zone), when it says. */
  takenAt?: string | null;
  /**
   * The file holds an XMP packet or IPTC block (keywords may be there); false: it holds neither; absent or
   * null: not known. Keyword import reads the photo with exiftool only when not false.
   */
  embeddedMetadata?: boolean | null;
  /** File size in bytes, when it could be read. */
  bytes: number | null;
  /** SHA-256 of the file bytes (hex), when it could be read. */
  sha256: string | null;
  /** Model identity (file name) and execution provider that produced the predictions. */
  model: string;
  provider: string;
  /** ISO 8601 UTC time, e.g. 2026-11-26T18:00:00.000Z. */
  classifiedAt: string;
  /**
   * The photo's pooled features from the same inference (see embedding-codec.ts); absent or null when the
   * model exposes none or the file failed.
   */
  embedding?: Embedding | null;
}

/** A per-file failure as a result: no predictions, nothing known beyond what the caller passes. */
export function errorResult(fields: {
  path: string;
  code: FileErrorCode;
  message: string;
  model: string;
  provider: string;
  bytes?: number | null;
  sha256?: string | null;
}): FileResult {
  return {
    path: fields.path,
    status: 'error',
    errorCode: fields.code,
    errorMessage: fields.message,
    predictions: [],
    width: null,
    height: null,
    format: null,
    bytes: fields.bytes ?? null,
    sha256: fields.sha256 ?? null,
    model: fields.model,
    provider: fields.provider,
    classifiedAt: new Date().toISOString(),
  };
}
