// `skiptag tag` (CLI): classify photos in files and folders; record them in the library and print or export labels.

import { parseArgs } from 'node:util';
import { resolveConfig, type SkiptagConfig } from '../../engine/config.js';
import type { CliIo } from '../cli-io.js';
import { engineHelp, ENGINE_OPTIONS, libraryPathFrom, parseEngineSettings } from '../engine-settings.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { openResultOutputs } from '../output-files.js';
import { parseXmpSettings, XMP_HELP, XMP_OPTIONS } from '../xmp-options.js';
import { tagDirect } from './tag-direct.js';
import { tagWithLibrary } from './tag-library.js';

export function tagHelp(config: SkiptagConfig): string {
  return `Usage: skiptag tag <files and folders...> [options]

Classify every photo in the given files and folders (recursively). Results are recorded in the
library, so running it again only classifies photos that are new or changed. Without
--csv/--json, prints one line per photo classified to stdout.

Options:
  --csv FILE          write results as CSV (see README: CSV format)
  --json FILE         write results as JSON
  --bom               start the CSV with a UTF-8 byte order mark (for Excel)
${engineHelp(config)}
${XMP_HELP}
  --no-library        classify without recording anything (everything is classified again)
  -q, --quiet         no progress display
  -h, --help          show this help

Exit codes: 0 all photos tagged, 1 some files failed, 2 usage error, 3 model, library or output
error, 130 interrupted (finished results are still written).`;
}

export async function tagCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      ...ENGINE_OPTIONS,
      ...XMP_OPTIONS,
      csv: { type: 'string' },
      json: { type: 'string' },
      bom: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const config = resolveConfig({ library: values.library, model: values.model }, env);
  if (values.help) {
    io.out(tagHelp(config));
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('tag needs at least one file or folder');
  if (values.library && values['no-library'])
    throw new UsageError('--library and --no-library exclude each other');
  const settings = await parseEngineSettings(values, config);
  const libraryFile = libraryPathFrom(values, config);
  const xmp = parseXmpSettings(values, settings.threshold);
  if (xmp && !libraryFile)
    throw new UsageError('--xmp needs the library (it remembers what it wrote); drop --no-library');
  const outputs = await openResultOutputs(values.csv, values.json, values.bom ?? false);
  try {
    return libraryFile
      ? await tagWithLibrary(positionals, settings, libraryFile, outputs, xmp, values.quiet ?? false, io)
      : await tagDirect(positionals, settings, outputs, values.quiet ?? false, io);
  } finally {
    // Outputs not committed by then (a fatal error before any work) leave no temp file behind.
    await Promise.all(outputs.map((o) => o.sink.abort()));
  }
}
