// `skiptag tag --no-library` (CLI): classify in this process with no database; results go to stdout or files.

import path from 'node:path';
import type { FileResult } from '../../shared/results.js';
import { Classifier } from '../../engine/classify/classifier.js';
import { ModelError } from '../../engine/classify/model-io.js';
import { preprocessFor } from '../../engine/models/model-settings.js';
import { resolveLabels } from '../../engine/classify/resolve-labels.js';
import { tagPhotos, type TagSummary } from '../../engine/pipeline/tag-photos.js';
import type { CliIo } from '../cli-io.js';
import { loadRunRules, type EngineSettings } from '../engine-settings.js';
import { tagsFor } from '../../engine/tagging/tagging-rules.js';
import { EXIT, FatalError } from '../exit-codes.js';
import { formatDuration, formatRate } from '../format-time.js';
import { abortOnInterrupt } from '../interrupts.js';
import { commitOutputs, type ResultOutput } from '../output-files.js';
import { createProgressReporter } from '../progress-reporter.js';
import { describeFailedCodes, describeResult, plural, printFailures } from '../result-lines.js';

export async function openClassifier(settings: EngineSettings, io: CliIo): Promise<Classifier> {
  let classifier: Classifier;
  try {
    classifier = await Classifier.open(settings.modelPath, { ep: settings.ep, threads: settings.threads });
  } catch (error) {
    if (error instanceof ModelError) throw new FatalError(error.message, { cause: error });
    throw error;
  }
  for (const attempt of classifier.attempts) {
    if (!attempt.ok) io.err(`note: ${attempt.provider} not used: ${attempt.error}`);
  }
  return classifier;
}

export async function tagDirect(
  inputs: string[],
  settings: EngineSettings,
  outputs: ResultOutput[],
  quiet: boolean,
  io: CliIo,
): Promise<number> {
  const rules = await loadRunRules(settings);
  const classifier = await openClassifier(settings, io);
  try {
    let labels;
    let preprocess;
    try {
      labels = await resolveLabels(settings.labelsPath, settings.modelPath, classifier.io.numClasses);
      preprocess = await preprocessFor(settings.modelPath, classifier.io);
    } catch (error) {
      throw new FatalError((error as Error).message, { cause: error });
    }
    io.err(
      `model ${path.basename(settings.modelPath)} on ${classifier.provider} (${settings.threads} threads, batch ${classifier.io.fixedBatch ?? settings.batch}, no library)`,
    );
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
      summary = await tagPhotos({
        inputs,
        classifier,
        labels,
        preprocess: {
          ...preprocess,
          maxPixels: settings.maxPixels,
        },
        modelName: path.basename(settings.modelPath),
        topK: settings.topK,
        threshold: settings.threshold,
        batchSize: settings.batch,
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
    printDirectSummary(summary, classifier.provider, io);
    if (summary.cancelled) return EXIT.interrupted;
    return summary.failed > 0 ? EXIT.someFilesFailed : EXIT.ok;
  } finally {
    await classifier.close();
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
