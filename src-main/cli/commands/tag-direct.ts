// `skiptag tag --no-library` (CLI): classify in the worker process with no database; results go to stdout or files.

import type { FileResult } from '../../shared/results.js';
import { tagFiles } from '../../engine/jobs/tag-files.js';
import type { TagSummary } from '../../engine/pipeline/classify-items.js';
import type { CliIo } from '../cli-io.js';
import { loadRunRules, type EngineSettings } from '../engine-settings.js';
import { tagsFor } from '../../engine/tagging/tag-rules.js';
import { EXIT, FatalError } from '../exit-codes.js';
import { startEngine } from '../library-session.js';
import { formatDuration, formatRate } from '../format-time.js';
import { abortOnInterrupt } from '../interrupts.js';
import { commitOutputs, type ResultOutput } from '../output-files.js';
import { createProgressReporter } from '../progress-reporter.js';
import { describeFailedCodes, describeResult, plural, printFailures } from '../result-lines.js';

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
