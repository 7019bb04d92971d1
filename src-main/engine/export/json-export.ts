// JSON export of tagging results (engine process): a streamed array, one result object per line, written atomically.

import type { FileResult, Prediction } from '../../shared/results.js';
import { openAtomicWriter } from './atomic-file.js';

export interface JsonExport {
  /** `tags`: the rules' tags for this file (empty when the run has none). */
  write(result: FileResult, tags?: readonly string[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** The exported shape: FileResult's fields in a fixed key order, nothing else. */
export interface JsonResultRecord {
  path: string;
  status: FileResult['status'];
  errorCode: FileResult['errorCode'];
  errorMessage: string | null;
  predictions: Prediction[];
  width: number | null;
  height: number | null;
  format: string | null;
  bytes: number | null;
  sha256: string | null;
  model: string;
  provider: string;
  classifiedAt: string;
  tags: string[];
}

// Copies field by field so that extra runtime properties never leak into a documented format.
export function jsonRecord(result: FileResult, tags: readonly string[] = []): JsonResultRecord {
  return {
    path: result.path,
    status: result.status,
    errorCode: result.errorCode,
    errorMessage: result.errorMessage,
    predictions: result.predictions.map(({ index, label, wnid, score }) => ({ index, label, wnid, score })),
    width: result.width,
    height: result.height,
    format: result.format,
    bytes: result.bytes,
    sha256: result.sha256,
    model: result.model,
    provider: result.provider,
    classifiedAt: result.classifiedAt,
    tags: [...tags],
  };
}

/** A streamed, atomically written JSON array: values are serialised one per line as they come. */
export interface JsonArrayWriter {
  writeValue(value: unknown): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Opens an atomic JSON array at `path`. The array is streamed so memory stays flat for any number of
 * values; the file is only valid JSON, and only appears, after commit().
 */
export async function openJsonArray(path: string): Promise<JsonArrayWriter> {
  const writer = await openAtomicWriter(path);
  let count = 0;
  try {
    await writer.write('[');
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return {
    writeValue: (value) => {
      // Serialise before touching the counter so a throwing value leaves the array consistent.
      const line = JSON.stringify(value);
      const prefix = count === 0 ? '\n' : ',\n';
      count += 1;
      return writer.write(prefix + line);
    },
    commit: async () => {
      await writer.write('\n]\n');
      await writer.commit();
    },
    abort: () => writer.abort(),
  };
}

/** Opens an atomic JSON export of tagging results at `path` (see openJsonArray). */
export async function openJsonExport(path: string): Promise<JsonExport> {
  const array = await openJsonArray(path);
  return {
    write: (result, tags) => array.writeValue(jsonRecord(result, tags)),
    commit: () => array.commit(),
    abort: () => array.abort(),
  };
}
