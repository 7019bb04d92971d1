// Locates Skiptag's package root (engine process), the same from compiled out/ code and from .ts under test.

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = 'skiptag';

async function packageName(dir: string): Promise<string | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    return typeof parsed === 'object' &&
      parsed !== null &&
      'name' in parsed &&
      typeof parsed.name === 'string'
      ? parsed.name
      : undefined;
  } catch {
    // Missing or unreadable package.json files on the way up are expected; keep walking.
    return undefined;
  }
}

/**
 * Walks up from `from` (a file or folder URL/path; default: this module) to the first folder whose
 * package.json is named `name`. Matching the name, not just the file, skips nested package.json files
 * such as one a build might place in out/.
 */
export async function findPackageRoot(
  from: string | URL = import.meta.url,
  name = PACKAGE_NAME,
): Promise<string> {
  const start = from instanceof URL || from.startsWith('file:') ? fileURLToPath(from) : from;
  let dir = dirname(start);
  for (;;) {
    if ((await packageName(dir)) === name) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(
        `Cannot find the "${name}" package root above ${start}: no package.json named "${name}"`,
      );
    }
    dir = parent;
  }
}
