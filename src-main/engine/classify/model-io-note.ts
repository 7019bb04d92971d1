// Remembering a model's input and output shapes between runs (engine; worker process), so photos can be decoded for it while its session is still opening.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelIo } from './model-io.js';
import { optimizedModelFile } from './session-cache.js';

/**
 * Named after the optimized-session copy of the model, whose name stands for the model file exactly (path,
 * size, times, inode) and onnxruntime's version: a changed file is a new name, never a stale note. Kept in
 * session-notes/, beside the embedding notes, not among the copies (that folder is pruned by count).
 */
function notePath(modelPath: string, cacheDir: string): string | null {
  const copy = optimizedModelFile(modelPath, cacheDir);
  return copy === null ? null : path.join(cacheDir, 'session-notes', `${path.basename(copy)}.io.json`);
}

/** What the model's session reported when it last opened here, or null when unknown (first run, no cache). */
export function rememberedModelIo(modelPath: string, cacheDir: string): ModelIo | null {
  const file = notePath(modelPath, cacheDir);
  if (file === null) return null;
  try {
    const note = JSON.parse(readFileSync(file, 'utf8')) as Partial<Record<keyof ModelIo, unknown>>;
    const side = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
    const { inputName, outputName, fixedBatch, height, width, numClasses } = note;
    if (typeof inputName !== 'string' || typeof outputName !== 'string') return null;
    if (!side(height) || !side(width)) return null;
    if (fixedBatch !== null && !side(fixedBatch)) return null;
    if (numClasses !== null && !side(numClasses)) return null;
    return { inputName, outputName, fixedBatch, height, width, numClasses };
  } catch {
    return null;
  }
}

/**
 * Notes the shapes after an open, when the note does not already say so: a wrong note (which only costs
 * one run its head start) is corrected by the next open. A note that cannot be written costs the same.
 */
export function rememberModelIo(modelPath: string, cacheDir: string, io: ModelIo): void {
  const file = notePath(modelPath, cacheDir);
  if (file === null) return;
  const known = rememberedModelIo(modelPath, cacheDir);
  if (known && JSON.stringify(known) === JSON.stringify(pick(io))) return;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    // Through a rename: two runs starting together never read each other's half-written note.
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(pick(io)));
    renameSync(temp, file);
  } catch {
    // The cache folder is read-only or full: the note is only a head start, so nothing here may fail the
    // opening, not even cleaning up.
    try {
      rmSync(`${file}.${process.pid}.tmp`, { force: true });
    } catch {
      // Left for the folder's owner; it is never read as a note.
    }
  }
}

/** The fields a note holds, in a fixed order. */
function pick({ inputName, outputName, fixedBatch, height, width, numClasses }: ModelIo): ModelIo {
  return { inputName, outputName, fixedBatch, height, width, numClasses };
}
