// `--xmp` options shared by tag, watch and export (CLI): write tags back to the photos after the run.

import { writeTagsForImages, type WriteResult } from '../engine/xmp/write-tags.js';
import type { Library } from '../engine/library/library.js';
import type { CliIo } from './cli-io.js';
import { parseChoice, parseFraction } from './parse-options.js';
import { describeWrite } from './commands/write-tags-command.js';

export const XMP_OPTIONS = {
  xmp: { type: 'string' },
  'xmp-name': { type: 'string' },
  'xmp-min-score': { type: 'string' },
} as const;

export const XMP_HELP = `  --xmp MODE          also write the tags into the photos' metadata: sidecar (an XMP file
                      beside each photo; the photo is untouched) or embed (IPTC/XMP inside)
  --xmp-name STYLE    sidecar names: ext (photo.jpg.xmp, default) or replace (photo.xmp)
  --xmp-min-score P   write suggestions scoring at least P (default: the --threshold)`;

export interface XmpSettings {
  mode: 'sidecar' | 'embed';
  naming: 'ext' | 'replace';
  minScore: number;
}

/** null when --xmp was not given (nothing is written to the photos). */
export function parseXmpSettings(
  values: { xmp?: string | undefined; 'xmp-name'?: string | undefined; 'xmp-min-score'?: string | undefined },
  defaultMinScore: number,
): XmpSettings | null {
  if (values.xmp === undefined) return null;
  return {
    mode: parseChoice('xmp', values.xmp, ['sidecar', 'embed'] as const, 'sidecar'),
    naming: parseChoice('xmp-name', values['xmp-name'], ['ext', 'replace'] as const, 'ext'),
    minScore: parseFraction('xmp-min-score', values['xmp-min-score'], defaultMinScore),
  };
}

/** Writes the tags of `imageIds` to their files and prints one line per written or skipped file. */
export async function writeTagsAfterRun(
  library: Library,
  imageIds: number[],
  settings: XmpSettings,
  io: CliIo,
): Promise<WriteResult[]> {
  if (imageIds.length === 0) return [];
  const results = await writeTagsForImages(library, imageIds, {
    mode: settings.mode,
    naming: settings.naming,
    minScore: settings.minScore,
    onResult: (result) => {
      const line = describeWrite(result, false);
      if (line !== null) io.err(`xmp: ${line}`);
    },
  });
  const written = results.filter((r) => r.action === 'written').length;
  io.err(`xmp: ${written} file(s) written, ${results.length - written} unchanged or skipped`);
  return results;
}
