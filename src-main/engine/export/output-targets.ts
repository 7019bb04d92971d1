// Where an export may not be written (engine; CLI and service): over the library, over a photo, or twice in one run.

import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { walkReaches } from '../scan/input-set.js';

export interface OutputTarget {
  /** How the user named it, for the message: `--csv`, `--json`, `the export`. */
  label: string;
  file: string;
}

export interface OutputContext {
  /** The library file (its -wal, -shm and -journal files are protected with it); null without one. */
  library: string | null;
  /** Files and folders the run reads photos from: no output may replace a photo it reads. */
  inputs?: readonly string[];
  /** Whether the run's walk includes hidden entries (decides which files under an input it reads). */
  includeHidden?: boolean;
  /** Another check on a file: true when it is a photo the library holds (export, app). */
  isLibraryPhoto?: (file: string) => boolean;
}

/**
 * Why these outputs must not be written, or null when they are safe. Compares resolved paths and, where
 * the files exist, their identity (device and inode: a link or another spelling of the same file). The
 * atomic writer renames its temp file over the target, so a wrong target is destroyed without a trace.
 */
export async function outputConflict(
  outputs: readonly OutputTarget[],
  context: OutputContext,
): Promise<string | null> {
  const protectedFiles: { file: string; what: string }[] = [];
  if (context.library !== null) {
    const library = path.resolve(context.library);
    protectedFiles.push({ file: library, what: `the library ${library}` });
    for (const suffix of ['-wal', '-shm', '-journal'])
      protectedFiles.push({
        file: library + suffix,
        what: `the library's ${suffix} file ${library}${suffix}`,
      });
  }
  const inputs = await Promise.all((context.inputs ?? []).map((input) => looked(input)));
  for (const input of inputs) {
    if (!input.isFolder) protectedFiles.push({ file: input.file, what: `the photo ${input.file} it reads` });
  }
  const seen: { target: OutputTarget; file: string; id: string | null }[] = [];
  for (const target of outputs) {
    const out = await looked(target.file);
    for (const other of seen) {
      if (other.file === out.file || (out.id !== null && other.id === out.id)) {
        return `${other.target.label} and ${target.label} are the same file (${out.file}): name two different files`;
      }
    }
    seen.push({ target, file: out.file, id: out.id });
    if (out.isFolder) return `${target.label} ${out.file} is a folder: name a file`;
    for (const guarded of protectedFiles) {
      const other = await looked(guarded.file);
      if (
        other.file === out.file ||
        (out.real !== null && other.real === out.real) ||
        (out.id !== null && other.id === out.id)
      ) {
        return `${target.label} ${out.file} would overwrite ${guarded.what}: choose another file`;
      }
    }
    for (const input of inputs) {
      if (
        input.isFolder &&
        input.real !== null &&
        walkReaches(input.real, out.real ?? out.file, false, context.includeHidden ?? false)
      ) {
        return `${target.label} ${out.file} is a photo in ${input.file}, which this run reads: choose another file`;
      }
    }
    if (context.isLibraryPhoto?.(out.file) || (out.real !== null && context.isLibraryPhoto?.(out.real))) {
      return `${target.label} ${out.file} is a photo in the library: choose another file`;
    }
  }
  return null;
}

interface Looked {
  file: string;
  /** The real path (links and `..` resolved; for a file not there yet, its real folder plus its name). */
  real: string | null;
  id: string | null;
  isFolder: boolean;
}

async function looked(file: string): Promise<Looked> {
  const resolved = path.resolve(file);
  try {
    const stats = await fsp.stat(resolved, { bigint: true });
    return {
      file: resolved,
      real: await fsp.realpath(resolved),
      id: `${stats.dev}:${stats.ino}`,
      isFolder: stats.isDirectory(),
    };
  } catch {
    const real = await fsp
      .realpath(path.dirname(resolved))
      .then((dir) => path.join(dir, path.basename(resolved)))
      .catch(() => null);
    return { file: resolved, real, id: null, isFolder: false };
  }
}
