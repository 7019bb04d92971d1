// `skiptag export` (CLI): write CSV/JSON from the library, filtered by folder, tag and score; safe while watch runs.

import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../engine/config.js';
import { exportLibrary, type ExportFormat } from '../../engine/export/library-export.js';
import { identifyModel, locateModel } from '../../engine/models/locate-model.js';
import { type CliIo, EXIT, FatalError, UsageError } from '../cli-io.js';
import { openLibrary, openLibraryForReading } from '../library-session.js';
import { checkOutputTargets } from '../output-files.js';
import { parseChoice, parseFraction } from '../parse-options.js';
import { plural } from '../console-output.js';
import { parseXmpSettings, writeTagsAfterRun, XMP_HELP, XMP_OPTIONS } from './write-tags-command.js';

export const EXPORT_HELP = `Usage: skiptag export --csv FILE [--json FILE] [options]

Export the library's labels. Works while "skiptag watch" is running.

Options:
  --csv FILE          write CSV (wide: the "tag --csv" columns plus accepted_tags and
                      rejected_tags; long: one row per photo and label, with its state)
  --json FILE         write JSON (one object per photo, with every tag and its state)
  --format F          wide|long (default wide)
  --bom               start the CSV with a UTF-8 byte order mark (for Excel)
  --folder DIR        only photos under DIR
  --tag NAME          only photos with this tag (suggested or accepted, not rejected)
  --min-score P       with --tag: only where its score is at least P (0..1)
  --model FILE|NAME   labels of this model (default: each photo's latest classification)
  --pair-primary R    raw|jpeg: which file of a RAW+JPEG pair is the photo's row (default
                      raw); the other is named in JSON "companions" and gets the same tags
  --library FILE      library database (default: $SKIPTAG_LIBRARY or the data folder)
${XMP_HELP}
  -h, --help          show this help`;

export async function exportCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      csv: { type: 'string' },
      json: { type: 'string' },
      format: { type: 'string' },
      bom: { type: 'boolean' },
      folder: { type: 'string' },
      tag: { type: 'string' },
      'min-score': { type: 'string' },
      model: { type: 'string' },
      'pair-primary': { type: 'string' },
      library: { type: 'string' },
      ...XMP_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(EXPORT_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!values.csv && !values.json) throw new UsageError('export needs --csv FILE and/or --json FILE');
  const format = parseChoice<ExportFormat>('format', values.format, ['wide', 'long'], 'wide');
  const minScore = parseFraction('min-score', values['min-score'], 0);
  const xmp = parseXmpSettings(values, 0);
  const pairPrimary = parseChoice('pair-primary', values['pair-primary'], ['raw', 'jpeg'] as const, 'raw');
  // Not --model: without it the export shows each photo's latest labels, whatever $SKIPTAG_MODEL says.
  const config = resolveConfig({ library: values.library }, env);
  const libraryFile = config.libraryFile;
  await checkOutputTargets(values, libraryFile, [], false);
  // Only --xmp writes; an export alone reads, so it works on a read-only disk and never waits for a writer.
  const library = xmp ? openLibrary(libraryFile) : openLibraryForReading(libraryFile);
  library.pairPrimary = pairPrimary;
  try {
    await checkOutputTargets(
      values,
      libraryFile,
      [],
      false,
      (file) => library.getImageByPath(Buffer.from(file)) !== undefined,
    );
    let modelId: number | undefined;
    if (values.model) {
      const modelPath = await locateModel(values.model, config.models.dir).catch((error: unknown) => {
        throw new FatalError((error as Error).message);
      });
      const model = await identifyModel(modelPath).catch((error: unknown) => {
        throw new FatalError(`cannot read model ${modelPath}: ${(error as Error).message}`);
      });
      // A model no photo was classified with matches nothing (0 is never a row id).
      modelId = library.findModel(model.sha256) ?? 0;
    }
    const filter = {
      ...(values.folder ? { folder: Buffer.from(path.resolve(values.folder)) } : {}),
      ...(values.tag ? { tag: values.tag, minScore } : {}),
      ...(modelId !== undefined ? { modelId } : {}),
    };
    const count = await exportLibrary(library, filter, {
      ...(values.csv ? { csv: path.resolve(values.csv) } : {}),
      ...(values.json ? { json: path.resolve(values.json) } : {}),
      format,
      bom: values.bom ?? false,
    }).catch((error: unknown) => {
      throw new FatalError(`export failed: ${(error as Error).message}`, { cause: error });
    });
    for (const file of [values.csv, values.json]) if (file) io.err(`written: ${path.resolve(file)}`);
    io.err(`${plural(count, 'photo')} exported from ${libraryFile}`);
    if (xmp) {
      const ids: number[] = [];
      for (const image of library.exportImages(filter)) if (image.status === 'ok') ids.push(image.imageId);
      await writeTagsAfterRun(library, ids, xmp, io);
    }
    return EXIT.ok;
  } finally {
    library.close();
  }
}
