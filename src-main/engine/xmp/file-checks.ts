// File checks before a keyword write (engine process): read-only files, pixel identity, content hash.

import { createHash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import sharp from 'sharp';

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

/**
 * SHA-256 of the decoded pixels (every page or frame, as stored: no rotation, no colour conversion)
 * with their geometry. Two files with the same hash show the same image, whatever their metadata.
 */
export async function pixelHash(file: string): Promise<string> {
  const image = sharp(file, { pages: -1, limitInputPixels: false });
  // The stored depth, so a 16-bit TIFF is compared on all its bits without doubling every 8-bit photo.
  const { depth } = await image.metadata();
  const { data, info } = await image.raw({ depth }).toBuffer({ resolveWithObject: true });
  return createHash('sha256')
    .update(`${info.width}x${info.height}x${info.channels}:${info.pages ?? 1}:`)
    .update(data)
    .digest('hex');
}

export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
