// `skiptag write-tags` (CLI): write the library's tags into XMP sidecars or, opt-in, into the photos; the same after tag, watch and export (--xmp).

import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../engine/config.js';
import type { Library } from '../../engine/library/library.js';
import { type WriteResult, writeTagsForImages } from '../../engine/xmp/write-tags.js';
import { abortOnInterrupt, type CliIo, EXIT, FatalError, UsageError } from '../cli-io.js';
import { plural } from '../console-output.js';
import { openLibrary } from '../library-session.js';
import { parseChoice, parseFraction } from '../parse-options.js';

export const WRITE_TAGS_HELP = `Usage: skiptag write-tags [options]

Write the library's tags as keywords (XMP dc:subject, Lightroom and digiKam hierarchical
keywords under "Skiptag|…") that Lightroom, darktable, digiKam and file managers read.
Accepted tags are always written, suggestions scoring at least --xmp-min-score, rejected
tags never; keywords Skiptag wrote earlier and no longer selects are removed again, other
tools' keywords are kept.

Options:
  --folder DIR          only photos under DIR
  --tag NAME            only photos with this tag (suggested or accepted)
  --xmp MODE            sidecar: an XMP file beside each photo, the photo is not touched
                        (default); embed: inside JPEG, PNG, WebP, TIFF and HEIC files
                        (rewrites the photo after checking its pixels stay identical);
                        camera RAW files always get a sidecar
  --pair-primary R      raw|jpeg: whose tags a RAW+JPEG pair writes to both files (default raw)
  --xmp-name STYLE      sidecar names: ext (photo.jpg.xmp, darktable/digiKam; default) or
                        replace (photo.xmp, Adobe)
  --xmp-min-score P     write suggestions scoring at least P, 0..1 (default 0)
  --dry-run             print what would change, write nothing
  --library FILE        library database (default: $SKIPTAG_LIBRARY or the data folder)
  -h, --help            show this help`;

export async function writeTagsCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      folder: { type: 'string' },
      tag: { type: 'string' },
      xmp: { type: 'string' },
      'xmp-name': { type: 'string' },
      'xmp-min-score': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'pair-primary': { type: 'string' },
      library: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(WRITE_TAGS_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const mode = parseChoice('xmp', values.xmp, ['sidecar', 'embed'] as const, 'sidecar');
  const naming = parseChoice('xmp-name', values['xmp-name'], ['ext', 'replace'] as const, 'ext');
  const minScore = parseFraction('xmp-min-score', values['xmp-min-score'], 0);
  const dryRun = values['dry-run'] ?? false;
  const libraryFile = resolveConfig({ library: values.library }, env).libraryFile;
  const library = openLibrary(libraryFile);
  library.pairPrimary = parseChoice('pair-primary', values['pair-primary'], ['raw', 'jpeg'] as const, 'raw');
  const controller = new AbortController();
  const removeHandlers = abortOnInterrupt(controller, io, 'stopping after the current photo');
  try {
    // Ids only: the export stream pages through the library, so any size fits in memory.
    const ids: number[] = [];
    const filter = {
      ...(values.folder ? { folder: Buffer.from(path.resolve(values.folder)) } : {}),
      ...(values.tag ? { tag: values.tag } : {}),
    };
    for (const image of library.exportImages(filter)) if (image.status !== 'missing') ids.push(image.imageId);
    const results = await writeTagsForImages(library, ids, {
      mode,
      naming,
      minScore,
      dryRun,
      signal: controller.signal,
      onResult: (result) => {
        const line = describeWrite(result, dryRun);
        if (line !== null) io.out(line);
      },
    }).catch((error: unknown) => {
      throw new FatalError(`write-tags failed: ${(error as Error).message}`, { cause: error });
    });
    io.err(summarise(results, dryRun));
    if (controller.signal.aborted) return EXIT.interrupted;
    return results.some((r) => r.reason?.startsWith('failed:')) ? EXIT.someFilesFailed : EXIT.ok;
  } finally {
    removeHandlers();
    library.close();
  }
}

/** `path<TAB>written +added -removed`, `path<TAB>skipped: reason`; null for an unchanged file. */
function describeWrite(result: WriteResult, dryRun: boolean): string | null {
  if (result.action === 'unchanged') return null;
  if (result.action === 'skipped') {
    const reason = result.reason ?? '';
    return `${result.path}\t${reason.includes('skipped') ? reason : `skipped: ${reason}`}`;
  }
  const changes = [...result.added.map((k) => `+${k}`), ...result.removed.map((k) => `-${k}`)].join(', ');
  return `${result.path}\t${dryRun ? 'would write' : 'written'} ${result.file ?? ''}: ${changes}`;
}

function summarise(results: readonly WriteResult[], dryRun: boolean): string {
  const count = (action: WriteResult['action']) => results.filter((r) => r.action === action).length;
  const failed = results.filter((r) => r.reason?.startsWith('failed:')).length;
  return (
    `${plural(count('written'), 'file')} ${dryRun ? 'would be written' : 'written'}, ` +
    `${count('unchanged')} unchanged, ${count('skipped')} skipped` +
    (failed > 0 ? ` (${failed} failed)` : '')
  );
}

/** `--xmp` options shared by tag, watch and export: write tags back to the photos after the run. */
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
