// Remembering a model's embedding output beside its optimized-session copy (engine; worker process), so a warm start skips reading the model.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { EmbeddingOutput } from './embedding-output.js';

/**
 * The optimized copy of a model with its features exposed is a different graph from the plain one (one
 * more output), so it lives under its own name: a plain copy loaded when features are wanted would lack
 * the output.
 */
export function featuresCopyPath(optimizedModelPath: string): string {
  return optimizedModelPath.replace(/(\.ort)?\.onnx$/, '.features$1.onnx');
}

/** The note sits in a folder of its own beside the copies' folder: that one holds only copies (pruned by count). */
function notePath(copy: string): string {
  return path.join(path.dirname(path.dirname(copy)), 'session-notes', `${path.basename(copy)}.json`);
}

/**
 * The embedding output found when the copy was made, if the copy and its note are both there: then the
 * worker loads the copy and nothing needs to read and decode the model file (0.4 s for ResNet-50).
 */
export function cachedEmbedding(copy: string): EmbeddingOutput | null {
  if (!existsSync(copy)) return null;
  try {
    const note = JSON.parse(readFileSync(notePath(copy), 'utf8')) as Partial<EmbeddingOutput>;
    if (typeof note.name !== 'string' || note.name === '') return null;
    const dim = typeof note.dim === 'number' && Number.isInteger(note.dim) && note.dim > 0 ? note.dim : null;
    return { name: note.name, dim };
  } catch {
    return null;
  }
}

/** Notes the output once the session opened (a note that cannot be written only costs the next start time). */
export function rememberEmbedding(copy: string, output: EmbeddingOutput): void {
  try {
    mkdirSync(path.dirname(notePath(copy)), { recursive: true });
    writeFileSync(notePath(copy), JSON.stringify(output));
  } catch {
    // The cache folder is read-only or full: the next start plans again.
  }
}
