// `skiptag tag` with the library (CLI): incremental tagging recorded in SQLite, in a separate engine process.

import path from 'node:path';
import type { FileResult } from '../../shared/results.js';
import { tagIntoLibrary, type LibraryTagSummary } from '../../engine/jobs/tag-into-library.js';
import type { Library } from '../../engine/library/library.js';
import type { ModelIdentity } from '../../engine/models/model-identity.js';
import { currentTags, exportImageToResult } from '../../engine/export/library-export.js';
import type { CliIo } from '../cli-io.js';
import { loadRunRules, type EngineSettings } from '../engine-settings.js';
import { EXIT, FatalError } from '../exit-codes.js';
import { formatDuration } from '../format-time.js';
import { abortOnInterrupt } from '../interrupts.js';
import { openLibrary, startEngine } from '../library-session.js';
import { commitOutputs, type ResultOutput } from '../output-files.js';
import { writeTagsAfterRun, type XmpSettings } from '../xmp-options.js';
import { createProgressReporter } from '../progress-reporter.js';
import { describeFailedCodes, describeResult, plural, printFailures } from '../result-lines.js';

export async function tagWithLibrary(
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
