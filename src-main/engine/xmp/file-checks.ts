// File checks around a keyword write (service process, CLI): read-only files and content hashes; pixel checks run in the worker.

import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';

/**
 * Read-only for Skiptag's purposes: not writable by this user, or with no write bit set at all (root may
 * write anything, but a file someone made read-only was made so on purpose).
 */
export async function isReadOnly(file: string, mode: number): Promise<boolean> {
  if ((mode & 0o222) === 0) return true;
  try {
    await access(file, constants.W_OK);
    return false;
  } catch {
    return true;
  }
}

export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
