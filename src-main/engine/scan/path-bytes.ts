// Byte-level path helpers (engine process): Linux file names are bytes, not text, so paths stay Buffers.

import path from 'node:path';

const SEPARATOR = Buffer.from(path.sep, 'utf8');
const SEPARATOR_BYTES: readonly number[] = path.sep === '\\' ? [0x5c, 0x2f] : [0x2f];

/** Resolves a command-line argument (already text) against the working directory, as bytes. */
export function absolutePathBytes(input: string): Buffer {
  return Buffer.from(path.resolve(input), 'utf8');
}

/** dir + separator + name, without doubling the separator when dir is a root such as "/". */
export function joinPathBytes(dir: Buffer, name: Buffer): Buffer {
  const last = dir[dir.length - 1];
  if (last !== undefined && SEPARATOR_BYTES.includes(last)) return Buffer.concat([dir, name]);
  return Buffer.concat([dir, SEPARATOR, name]);
}

/** Splits an absolute path into its parent directory and last component; the root's parent is itself. */
export function splitPathBytes(full: Buffer): { dir: Buffer; name: Buffer } {
  let end = full.length;
  while (end > 1 && SEPARATOR_BYTES.includes(full[end - 1] ?? -1)) end--;
  let cut = end - 1;
  while (cut >= 0 && !SEPARATOR_BYTES.includes(full[cut] ?? -1)) cut--;
  if (cut < 0) return { dir: full.subarray(0, 0), name: full.subarray(0, end) };
  // Keep the separator when the parent is the root ("/x" → "/"), drop it otherwise.
  const dir = full.subarray(0, cut === 0 || full[cut - 1] === 0x3a ? cut + 1 : cut);
  return { dir, name: full.subarray(cut + 1, end) };
}

/** Text for messages and exports: invalid UTF-8 sequences become U+FFFD (lossy, never throws). */
export function displayPath(bytes: Buffer): string {
  return bytes.toString('utf8');
}
