// `skiptag tag` (CLI): classify photos in files and folders, recorded in the library (or not: --no-library); print or export labels.

import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig, type SkiptagConfig } from '../../engine/config.js';
import { currentTags, exportImageToResult } from '../../engine/export/library-export.js';
import { tagFiles } from '../../engine/jobs/tag-files.js';
import { type LibraryTagSummary, tagIntoLibrary } from '../../engine/jobs/tag-into-library.js';
import type { Library } from '../../engine/library/library.js';
import type { ModelIdentity } from '../../engine/models/locate-model.js';
import type { TagSummary } from '../../engine/pipeline/classify-items.js';
import { tagsFor } from '../../engine/tagging/tag-rules.js';
import type { FileResult } from '../../shared/results.js';
import { abortOnInterrupt, type CliIo, EXIT, FatalError, UsageError } from '../cli-io.js';
import {
  createProgressReporter,
  describeFailedCodes,
  describeResult,
  formatDuration,
  formatRate,
  plural,
  printFailures,
} from '../console-output.js';
import {
  ENGINE_OPTIONS,
  engineHelp,
  type EngineSettings,
  libraryPathFrom,
  loadRunRules,
  parseEngineSettings,
} from '../engine-settings.js';
import { openLibrary, startEngine } from '../library-session.js';
import { commitOutputs, openResultOutputs, type ResultOutput } from '../output-files.js';
import {
  parseXmpSettings,
  writeTagsAfterRun,
  XMP_HELP,
  XMP_OPTIONS,
  type XmpSettings,
} from './write-tags-command.js';

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

/** `skiptag tag --no-library`: classify in the worker process with no database; results go to stdout or files. */
async function tagDirect(
  inputs: string[],
  settings: EngineSettings,
  outputs: ResultOutput[],
  quiet: boolean,
  io: CliIo,
): Promise<number> {
  const rules = await loadRunRules(settings);
  const { engine } = await startEngine(settings, io, 'no library');
  try {
    const printLines = outputs.length === 0;
    const failures: FileResult[] = [];
    const controller = new AbortController();
    const release = abortOnInterrupt(
      controller,
      io,
      'stopping: finishing the photos in flight and writing results',
    );
    const progress = createProgressReporter(io.errStream, quiet);
    let summary: TagSummary;
    try {
      summary = await tagFiles({
        engine,
        inputs,
        includeHidden: settings.includeHidden,
        signal: controller.signal,
        onProgress: (p) => progress.update(p),
        onResult: async (result) => {
          if (result.status === 'error' && failures.length < 20) failures.push(result);
          if (printLines) {
            progress.finish();
            io.out(describeResult(result));
          }
          const tags = tagsFor(result.predictions, rules).map((t) => t.tag);
          for (const o of outputs) await o.sink.write(result, tags);
        },
      });
    } catch (error) {
      progress.finish();
      // Keep what was finished: a later fatal error must not throw away the rows already computed.
      await commitOutputs(outputs, io);
      throw new FatalError((error as Error).message, { cause: error });
    } finally {
      release();
    }
    progress.finish();
    await commitOutputs(outputs, io);
    printFailures(failures, summary.failed, io);
    printDirectSummary(summary, engine.provider, io);
    if (summary.cancelled) return EXIT.interrupted;
    return summary.failed > 0 ? EXIT.someFilesFailed : EXIT.ok;
  } finally {
    await engine.close();
  }
}

function printDirectSummary(summary: TagSummary, provider: string, io: CliIo): void {
  const done = summary.ok + summary.failed;
  const rate = summary.seconds > 0 ? done / summary.seconds : 0;
  const parts = [`${plural(summary.ok, 'photo')} tagged`];
  if (summary.failed > 0)
    parts.push(`${summary.failed} failed (${describeFailedCodes(summary.failedByCode)})`);
  if (summary.skipped > 0) parts.push(`${plural(summary.skipped, 'other file')} skipped`);
  if (done === 0 && !summary.cancelled) io.err('no photos found in the given files and folders');
  io.err(
    `${summary.cancelled ? 'interrupted: ' : ''}${parts.join(', ')} in ${formatDuration(summary.seconds)} (${formatRate(rate)} photos/s on ${provider})`,
  );
}

/** `skiptag tag` with the library: incremental tagging recorded in SQLite, in a separate engine process. */
async function tagWithLibrary(
  inputs: string[],
  settings: EngineSettings,
  libraryFile: string,
  outputs: ResultOutput[],
  xmp: XmpSettings | null,
  quiet: boolean,
  io: CliIo,
): Promise<number> {
  const tagRules = await loadRunRules(settings);
  const library = openLibrary(libraryFile);
  try {
    const { engine, model } = await startEngine(settings, io);
    const controller = new AbortController();
    const release = abortOnInterrupt(
      controller,
      io,
      'stopping: finishing the photos in flight and saving results',
    );
    const progress = createProgressReporter(io.errStream, quiet);
    const failures: FileResult[] = [];

    let summary: LibraryTagSummary;
    try {
      summary = await tagIntoLibrary({
        library,
        engine,
        model,
        inputs,
        tagRules,
        includeHidden: settings.includeHidden,
        signal: controller.signal,
        onProgress: (p) =>
          progress.update({
            done: p.seen,
            total: p.total,
            ok: p.classified,
            failed: p.failed,
            skipped: 0,
            rate: p.rate,
            etaSeconds: p.etaSeconds,
            current: p.current,
          }),
        importKeywords: true,
        onResult: (result) => {
          if (result.status === 'error' && failures.length < 20) failures.push(result);
          if (outputs.length === 0) {
            progress.finish();
            io.out(describeResult(result));
          }
        },
      });
    } catch (error) {
      throw new FatalError((error as Error).message, { cause: error });
    } finally {
      release();
      progress.finish();
      await engine.close();
    }
    await writeOutputs(library, inputs, model, outputs, io);
    // Every photo of the inputs, not only this run's: `tag --xmp` on a tagged folder writes its tags too.
    if (xmp) await writeTagsAfterRun(library, okImagesUnder(library, inputs), xmp, io);
    printFailures(failures, summary.failed, io);
    printLibrarySummary(summary, engine.ready.provider, libraryFile, io);
    if (summary.cancelled) return EXIT.interrupted;
    return summary.failed > 0 || summary.crashed > 0 ? EXIT.someFilesFailed : EXIT.ok;
  } finally {
    library.close();
  }
}

/** Exports go through the library, so unchanged photos (not classified again) are in the file too. */
async function writeOutputs(
  library: Library,
  inputs: string[],
  model: ModelIdentity,
  outputs: ResultOutput[],
  io: CliIo,
): Promise<void> {
  if (outputs.length === 0) return;
  const modelId = library.ensureModel(model.sha256, model.name);
  for (const input of inputs) {
    for (const image of library.exportImages({ folder: Buffer.from(path.resolve(input)), modelId })) {
      if (image.status === 'missing' || image.status === 'pending') continue;
      const result = exportImageToResult(image);
      for (const o of outputs) await o.sink.write(result, currentTags(image));
    }
  }
  await commitOutputs(outputs, io);
}

function printLibrarySummary(s: LibraryTagSummary, provider: string, libraryFile: string, io: CliIo): void {
  const c = s.counts;
  const scanned = [`${c.new} new`, `${c.changed} changed`];
  if (c.moved > 0) scanned.push(`${c.moved} moved`);
  if (c.retry > 0) scanned.push(`${c.retry} not yet tagged with this model`);
  scanned.push(`${c.unchanged} unchanged`);
  const work = [`${s.ok} tagged`];
  if (s.failed > 0) work.push(`${s.failed} failed (${describeFailedCodes(s.failedByCode)})`);
  if (s.crashed > 0) work.push(`${s.crashed} crashed the decoder`);
  if (s.missing > 0) work.push(`${s.missing} missing since the last scan`);
  if (s.skipped > 0) work.push(`${plural(s.skipped, 'other file')} skipped`);
  io.err(
    `${s.cancelled ? 'interrupted: ' : ''}${scanned.join(', ')}; ${work.join(', ')} in ${formatDuration(s.seconds)} on ${provider}`,
  );
  io.err(`library: ${libraryFile}`);
}

/** Ids of the classified photos under the inputs (paged through the library, so any size fits). */
export function okImagesUnder(library: Library, inputs: string[]): number[] {
  const ids: number[] = [];
  for (const input of inputs) {
    for (const image of library.exportImages({ folder: Buffer.from(path.resolve(input)) })) {
      if (image.status === 'ok') ids.push(image.imageId);
    }
  }
  return ids;
}
