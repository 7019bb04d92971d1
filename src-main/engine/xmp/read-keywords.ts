// Reading keywords other tools put in a photo or its sidecars (engine process), to import as user tags.

import { access } from 'node:fs/promises';
import type { ExifTool } from 'exiftool-vendored';
import type { Library } from '../library/library.js';
import {
  isSkiptagPath,
  type KeywordFields,
  leafOf,
  NotXmpError,
  readKeywordFields,
  readSidecarFields,
  withExifTool,
} from './keyword-fields.js';
import { sidecarCandidates } from './sidecar-writer.js';
import { sidecarState } from './write-scope.js';

export interface ReadKeywordsOptions {
  /** A running ExifTool to use (left running); default: a fresh one for this call. */
  exiftool?: ExifTool;
  /** Keywords to leave out: the ones Skiptag wrote itself (the library's xmp_written). */
  exclude?: Iterable<string>;
  /** A sidecar that is not read (a link, not a regular file, not XMP), and why. */
  onSkip?: (file: string, reason: string) => void;
  /** false: only the sidecars (the photo is known to hold no XMP or IPTC); default true. */
  readPhoto?: boolean;
}

/**
 * Keywords in the photo's sidecars (`photo.jpg.xmp` and `photo.xmp`) and in the photo itself
 * (XMP-dc:Subject, IPTC:Keywords, and the last level of Lightroom and digiKam hierarchical keywords),
 * first seen first, each once. Left out: `exclude`, and everything in Skiptag's own branch
 * (`Skiptag|…`) together with the plain keywords those paths end in, so that Skiptag's own suggestions
 * never come back as the user's tags, even from a file written with another library. A file that
 * exiftool cannot read contributes nothing, and a sidecar is read only when it is a regular XMP file (not a
 * link planted in its place, which could lead to any file): anything else is skipped (onSkip says why).
 */
export async function readExistingKeywords(
  photoPath: string,
  options: ReadKeywordsOptions = {},
): Promise<string[]> {
  const found: KeywordFields[] = [];
  await withExifTool(options.exiftool, async (exiftool) => {
    for (const sidecar of sidecarCandidates(photoPath)) {
      const state = await sidecarState(sidecar).catch(() => null);
      if (state === null || state.kind === 'absent') continue;
      if (state.kind === 'refused') {
        options.onSkip?.(sidecar, state.reason);
        continue;
      }
      const fields = await readSidecarFields(exiftool, sidecar).catch((error: unknown) => {
        if (error instanceof NotXmpError) options.onSkip?.(sidecar, error.message);
        return null;
      });
      if (fields !== null) found.push(fields);
    }
    if (options.readPhoto !== false && (await exists(photoPath))) {
      const fields = await readKeywordFields(exiftool, photoPath).catch(() => null);
      if (fields !== null) found.push(fields);
    }
  });
  const excluded = new Set(options.exclude ?? []);
  const keywords = new Set<string>();
  for (const fields of found) {
    const paths = [
      ...fields.hierarchical.map((path) => ({ path, leaf: leafOf(path, '|') })),
      ...fields.tagsList.map((path) => ({ path: path.split('/').join('|'), leaf: leafOf(path, '/') })),
    ];
    for (const { path, leaf } of paths) if (isSkiptagPath(path)) excluded.add(leaf);
    for (const keyword of [...fields.subject, ...fields.iptc, ...paths.map((p) => p.leaf)]) {
      const trimmed = keyword.trim();
      if (trimmed !== '') keywords.add(trimmed);
    }
  }
  return [...keywords].filter((k) => !excluded.has(k));
}

/**
 * Reads the photo's existing keywords (less those Skiptag wrote) and records them as the user's accepted
 * tags (a rejected tag stays rejected). Returns the keywords found.
 */
export async function importExistingKeywords(
  library: Library,
  imageId: number,
  photoPath: string,
  exiftool?: ExifTool,
  options: Pick<ReadKeywordsOptions, 'onSkip' | 'readPhoto'> = {},
): Promise<string[]> {
  const written = library.xmpWritten(imageId).map((k) => k.keyword);
  const keywords = await readExistingKeywords(photoPath, {
    ...options,
    exclude: written,
    ...(exiftool ? { exiftool } : {}),
  });
  library.importKeywordsAsUserTags(imageId, keywords);
  return keywords;
}

/** Whether either of the photo's sidecar names holds something (a file, or a link that will be refused). */
export async function hasSidecar(photoPath: string): Promise<boolean> {
  for (const sidecar of sidecarCandidates(photoPath)) {
    const state = await sidecarState(sidecar).catch(() => null);
    if (state === null || state.kind !== 'absent') return true;
  }
  return false;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
