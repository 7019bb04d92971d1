// Overlapping inputs of one run (engine process): the same file or folder named twice, or a path inside a folder also named, is walked once.

import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { classifyExtension, isHiddenName, isSystemFileName, isSystemFolderName } from './name-rules.js';

export interface DroppedInput {
  /** The input as resolved (absolute, the user's spelling). */
  input: string;
  /** The kept input that covers it. */
  keptAs: string;
  /** `same`: the same file or folder (by device and inode) as keptAs; `inside`: keptAs's walk reaches it. */
  reason: 'same' | 'inside';
}

export interface InputPlan {
  /** Absolute paths in the order given, each walked once; missing paths are kept (the walk reports them). */
  inputs: string[];
  dropped: DroppedInput[];
}

interface Looked {
  input: string;
  /** Real path (links resolved) and device:inode; null when the path cannot be looked at. */
  real: string | null;
  identity: string | null;
  isFolder: boolean;
}

/**
 * Resolves and de-duplicates the inputs of one run: by identity (device and inode, so `a.jpg ./a.jpg`,
 * a folder and a link to it), and by coverage (a file or folder inside a folder input, which that walk
 * yields anyway). Kept: a path inside a folder that its walk would skip (hidden or system names, a file
 * that is not a photo by its extension): naming it is how the user asks for it.
 */
export async function planInputs(
  inputs: readonly string[],
  options: { includeHidden?: boolean } = {},
): Promise<InputPlan> {
  const looked = await Promise.all(inputs.map((input) => look(input)));
  const dropped: DroppedInput[] = [];
  const kept: Looked[] = [];
  for (const item of looked) {
    const same = kept.find(
      (k) => (item.identity !== null && k.identity === item.identity) || k.input === item.input,
    );
    if (same) dropped.push({ input: item.input, keptAs: same.input, reason: 'same' });
    else kept.push(item);
  }
  const folders = kept.filter((k) => k.isFolder && k.real !== null);
  const result: string[] = [];
  for (const item of kept) {
    const cover = folders.find(
      (f) =>
        f !== item &&
        item.real !== null &&
        f.real !== null &&
        walkReaches(f.real, item.real, item.isFolder, options.includeHidden ?? false),
    );
    if (cover) dropped.push({ input: item.input, keptAs: cover.input, reason: 'inside' });
    else result.push(item.input);
  }
  return { inputs: result, dropped };
}

/**
 * Whether a walk of `folder` yields `target` (a real path strictly inside it): no name on the way is
 * hidden (unless hidden entries are walked) or a system folder, and a file must pass the walk's file rules.
 */
export function walkReaches(
  folder: string,
  target: string,
  targetIsFolder: boolean,
  includeHidden: boolean,
): boolean {
  const relative = path.relative(folder, target);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return false;
  const names = relative.split(path.sep).map((name) => Buffer.from(name));
  const last = names.length - 1;
  return names.every((name, i) => {
    if (!includeHidden && isHiddenName(name)) return false;
    if (i < last || targetIsFolder) return !isSystemFolderName(name);
    return !isSystemFileName(name) && classifyExtension(name) !== 'other';
  });
}

async function look(input: string): Promise<Looked> {
  // '' stays '': the walker reports it instead of walking the working folder.
  const absolute = input === '' ? '' : path.resolve(input);
  try {
    const real = await fsp.realpath(absolute);
    const stats = await fsp.stat(real, { bigint: true });
    return { input: absolute, real, identity: `${stats.dev}:${stats.ino}`, isFolder: stats.isDirectory() };
  } catch {
    return { input: absolute, real: null, identity: null, isFolder: false };
  }
}
