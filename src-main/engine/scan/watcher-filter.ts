// Name rules of the folder watcher (engine process): which paths under a watched folder are worth reporting.

import path from 'node:path';
import type { Stats } from 'node:fs';
import { isHiddenName, isSystemFileName, isSystemFolderName } from './entry-filters.js';
import { classifyExtension } from './image-extensions.js';

/**
 * Names browsers, download managers and office suites give a file while it is still being written;
 * the finished file is renamed into place and reported then, under its real name.
 */
export function isPartialDownloadName(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower.endsWith('.part') ||
    lower.endsWith('.crdownload') ||
    lower.endsWith('.tmp') ||
    lower.startsWith('.~')
  );
}

/**
 * chokidar's `ignored` callback for one watched root. The same rules as the walker (hidden entries,
 * AppleDouble files, NAS/OS junk folders) applied to every component below the root, so the root itself,
 * like a folder named on the command line, is never judged by its name. chokidar calls it once without
 * stats (a folder must then not be ruled out by its missing extension) and again with them, which is
 * when non-photos are dropped before they cost a write-finish poll.
 */
export function watchIgnoreRule(root: string, includeHidden: boolean): (p: string, stats?: Stats) => boolean {
  return (p, stats) => {
    const relative = path.relative(root, p);
    const outside = relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
    if (relative === '' || outside) return false;
    const parts = relative.split(path.sep);
    for (const part of parts) {
      const bytes = Buffer.from(part, 'utf8');
      if (isSystemFolderName(bytes) || isSystemFileName(bytes)) return true;
      if (!includeHidden && isHiddenName(bytes)) return true;
    }
    const name = parts.at(-1) ?? '';
    if (isPartialDownloadName(name)) return true;
    return stats?.isFile() === true && classifyExtension(name) === 'other';
  };
}

/** What a file event must pass to be reported: a photo, or an image format Skiptag will flag as unsupported. */
export function isReportableFile(p: string): boolean {
  const name = path.basename(p);
  return !isPartialDownloadName(name) && classifyExtension(name) !== 'other';
}
