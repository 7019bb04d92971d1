// Start-up cache files (engine; CLI, service, worker): small JSON answers kept between runs, read leniently, written atomically.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The cached value, or null when the file is missing, unreadable, not JSON or of another format version.
 * A cache only saves time, so every problem with it means "work it out again", never an error.
 */
export async function readCacheFile<T>(file: string, version: number): Promise<T | null> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { version?: unknown; value?: unknown };
    return parsed.version === version && parsed.value !== undefined ? (parsed.value as T) : null;
  } catch {
    return null;
  }
}

/**
 * Writes through a temporary file and a rename, so a reader (another skiptag at the same moment) sees the
 * old answer or the new one, never half a file. Failing to write (read-only home, full disk) is ignored.
 */
export async function writeCacheFile(file: string, version: number, value: unknown): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(temp, JSON.stringify({ version, value }));
    await rename(temp, file);
  } catch {
    await rm(temp, { force: true }).catch(() => undefined);
  }
}
