// `skiptag tag --no-library` (CLI): classify in the worker process with no database; results to stdout or files.

import { tagFiles } from '../../engine/jobs/tag-files.js';
import type { TagSummary } from '../../engine/pipeline/classify-items.js';
import { tagsFor } from '../../engine/tagging/tag-rules.js';
import type { FileResult } from '../../shared/results.js';
import { abortOnInterrupt, type CliIo, EXIT, FatalError } from '../cli-io.js';
import {
  createProgressReporter,
  describeFailedCodes,
  describeResult,
  formatDuration,
  formatRate,
  plural,
  printFailures,
} from '../console-output.js';
import { type EngineSettings, loadRunRules } from '../engine-settings.js';
import { startEngine } from '../library-session.js';
import { commitOutputs, type ResultOutput } from '../output-files.js';

/** `skiptag tag --no-library`: classify in the worker process with no database; results go to stdout or files. */
export async function tagDirect(
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
    let written = 0;
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
          written += 1;
        },
      });
    } catch (error) {
      progress.finish();
      // Keep what was finished: a later fatal error must not throw away the rows already computed. Never an
      // empty file over an older one, and never a second error (a commit after a failed write) hiding the first.
      if (written > 0) await commitOutputs(outputs, io).catch(() => undefined);
      throw new FatalError((error as Error).message, { cause: error });
    } finally {
      release();
    }
    progress.finish();
    assertModelWorked(summary.ok, summary.failedByCode, false);
    await commitOutputs(outputs, io);
    printFailures(failures, summary.failed, io);
    printDirectSummary(summary, engine.provider, io);
    if (summary.cancelled) return EXIT.interrupted;
    return summary.failed > 0 ? EXIT.someFilesFailed : EXIT.ok;
  } finally {
    await engine.close();
  }
}

/**
 * A run in which the model gave not one photo real scores (NaN or infinite for every photo it saw) has no
 * result to write: it stops with exit 3 and leaves any older output file as it was.
 */
export function assertModelWorked(
  ok: number,
  failedByCode: Partial<Record<string, number>>,
  withLibrary: boolean,
): void {
  const invalid = failedByCode.model_output_invalid ?? 0;
  if (invalid > 0 && ok === 0) {
    throw new FatalError(
      `the model produced scores that are not numbers (NaN) for every photo (${plural(invalid, 'photo')}; error model_output_invalid): it is broken, or does not suit these photos; no output file was written${withLibrary ? ' and the library keeps what it had' : ''}`,
    );
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
