// `skiptag tag` (CLI): classify photos in files and folders, print or export the labels.

import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ClassLabel } from '../../shared/labels.js';
import type { FileResult } from '../../shared/results.js';
import { Classifier, defaultThreads } from '../../engine/classify/classifier.js';
import { imagenetLabels, loadLabelFile } from '../../engine/classify/labels.js';
import { ModelError } from '../../engine/classify/model-io.js';
import { EP_CHOICES } from '../../engine/classify/providers.js';
import { openCsvExport } from '../../engine/export/csv-export.js';
import { openJsonExport } from '../../engine/export/json-export.js';
import { DEFAULT_MAX_PIXELS, imagenetPreprocess } from '../../engine/imaging/preprocess-spec.js';
import { locateModel, ModelNotFoundError, sidecarLabelsFile } from '../../engine/models/locate-model.js';
import { tagPhotos, type TagSummary } from '../../engine/pipeline/tag-photos.js';
import { EXIT, FatalError, UsageError } from '../exit-codes.js';
import { formatDuration, formatRate } from '../format-time.js';
import { parseChoice, parseFraction, parseInteger } from '../parse-options.js';
import { createProgressReporter } from '../progress-reporter.js';
import type { CliIo } from '../cli-io.js';

export const TAG_HELP = `Usage: skiptag tag <files and folders...> [options]

Classify every photo in the given files and folders (recursively) with a ResNet.
Without --csv/--json, prints one line per photo to stdout.

Options:
  --csv FILE          write results as CSV (see README: CSV format)
  --json FILE         write results as JSON
  --bom               start the CSV with a UTF-8 byte order mark (for Excel)
  --model FILE        ONNX classifier (default: $SKIPTAG_MODEL, else a ResNet in models/)
  --labels FILE       class names, one per line or "wnid<TAB>name" (default: ImageNet-1k
                      when the model has 1000 classes, or MODEL.labels.txt beside the model)
  --top-k N           labels per photo (default 5)
  --threshold P       drop labels scoring below P, 0..1 (default 0)
  --ep NAME           execution provider: ${EP_CHOICES.join('|')} (default auto: GPU if one
                      loads, else CPU)
  --batch N           images per inference batch (default 8)
  --threads N         CPU threads for inference (default: all cores, here ${defaultThreads()})
  --max-pixels N      refuse images larger than N pixels (default ${DEFAULT_MAX_PIXELS})
  --include-hidden    also look inside hidden files and folders (names starting with ".")
  -q, --quiet         no progress display
  -h, --help          show this help

Exit codes: 0 all photos tagged, 1 some files failed, 2 usage error, 3 model or output
error, 130 interrupted (finished results are still written).`;

export async function tagCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      csv: { type: 'string' },
      json: { type: 'string' },
      bom: { type: 'boolean' },
      model: { type: 'string' },
      labels: { type: 'string' },
      'top-k': { type: 'string' },
      threshold: { type: 'string' },
      ep: { type: 'string' },
      batch: { type: 'string' },
      threads: { type: 'string' },
      'max-pixels': { type: 'string' },
      'include-hidden': { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(TAG_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('tag needs at least one file or folder');
  const topK = parseInteger('top-k', values['top-k'], 5, 1, 100_000);
  const threshold = parseFraction('threshold', values.threshold, 0);
  const ep = parseChoice('ep', values.ep, EP_CHOICES, 'auto');
  const batch = parseInteger('batch', values.batch, 8, 1, 1024);
  const threads = parseInteger('threads', values.threads, defaultThreads(), 1, 1024);
  const maxPixels = parseInteger(
    'max-pixels',
    values['max-pixels'],
    DEFAULT_MAX_PIXELS,
    1,
    Number.MAX_SAFE_INTEGER,
  );

  let modelPath: string;
  try {
    modelPath = await locateModel(values.model);
  } catch (error) {
    if (error instanceof ModelNotFoundError) throw new FatalError(error.message);
    throw error;
  }

  let classifier: Classifier;
  try {
    classifier = await Classifier.open(modelPath, { ep, threads });
  } catch (error) {
    if (error instanceof ModelError) throw new FatalError(error.message, { cause: error });
    throw error;
  }
  try {
    const labels = await resolveLabels(values.labels, modelPath, classifier.io.numClasses);
    for (const attempt of classifier.attempts) {
      if (!attempt.ok) io.err(`note: ${attempt.provider} not used: ${attempt.error}`);
    }
    io.err(
      `model ${path.basename(modelPath)} on ${classifier.provider} (${threads} threads, batch ${classifier.io.fixedBatch ?? batch})`,
    );
    return await runTagging(positionals, classifier, labels, {
      modelName: path.basename(modelPath),
      csv: values.csv,
      json: values.json,
      bom: values.bom ?? false,
      topK,
      threshold,
      batch,
      maxPixels,
      includeHidden: values['include-hidden'] ?? false,
      quiet: values.quiet ?? false,
      io,
    });
  } finally {
    await classifier.close();
  }
}

async function resolveLabels(
  explicit: string | undefined,
  modelPath: string,
  numClasses: number | null,
): Promise<ClassLabel[]> {
  const file = explicit ?? sidecarLabelsFile(modelPath);
  let labels: ClassLabel[];
  try {
    labels = file
      ? await loadLabelFile(file)
      : numClasses === 1000 || numClasses === null
        ? await imagenetLabels()
        : [];
  } catch (error) {
    throw new FatalError((error as Error).message, { cause: error });
  }
  if (labels.length === 0) {
    throw new FatalError(
      `the model has ${numClasses} classes: pass --labels FILE with one class name per line`,
    );
  }
  if (numClasses !== null && labels.length !== numClasses) {
    throw new FatalError(
      `the model has ${numClasses} classes but ${file ?? 'the labels'} lists ${labels.length}`,
    );
  }
  return labels;
}

interface OpenExport {
  kind: 'CSV' | 'JSON';
  file: string;
  sink: { write(result: FileResult): Promise<void>; commit(): Promise<void>; abort(): Promise<void> };
}

interface RunSettings {
  modelName: string;
  csv: string | undefined;
  json: string | undefined;
  bom: boolean;
  topK: number;
  threshold: number;
  batch: number;
  maxPixels: number;
  includeHidden: boolean;
  quiet: boolean;
  io: CliIo;
}

async function runTagging(
  inputs: string[],
  classifier: Classifier,
  labels: ClassLabel[],
  s: RunSettings,
): Promise<number> {
  const { io } = s;
  const exports: OpenExport[] = [];
  try {
    if (s.csv)
      exports.push({
        kind: 'CSV',
        file: path.resolve(s.csv),
        sink: await openCsvExport(path.resolve(s.csv), { bom: s.bom }),
      });
    if (s.json)
      exports.push({
        kind: 'JSON',
        file: path.resolve(s.json),
        sink: await openJsonExport(path.resolve(s.json)),
      });
  } catch (error) {
    await Promise.all(exports.map((e) => e.sink.abort()));
    throw new FatalError(`cannot write output: ${(error as Error).message}`, { cause: error });
  }
  const printLines = exports.length === 0;
  const failures: FileResult[] = [];
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT.interrupted);
    io.err('\nstopping: finishing the photos in flight and writing results (press Ctrl-C again to quit now)');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = createProgressReporter(io.errStream, s.quiet);
  let summary: TagSummary;
  try {
    summary = await tagPhotos({
      inputs,
      classifier,
      labels,
      preprocess: {
        ...imagenetPreprocess(classifier.io.height, classifier.io.width),
        maxPixels: s.maxPixels,
      },
      modelName: s.modelName,
      topK: s.topK,
      threshold: s.threshold,
      batchSize: s.batch,
      includeHidden: s.includeHidden,
      signal: controller.signal,
      onProgress: (p) => progress.update(p),
      onResult: async (result) => {
        if (result.status === 'error' && failures.length < 20) failures.push(result);
        if (printLines) {
          progress.finish();
          io.out(describeResult(result));
        }
        for (const e of exports) await e.sink.write(result);
      },
    });
  } catch (error) {
    progress.finish();
    // Keep what was finished: a later fatal error must not throw away the rows already computed.
    await commitAll(exports, io);
    throw new FatalError((error as Error).message, { cause: error });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  progress.finish();
  await commitAll(exports, io);
  printSummary(summary, failures, classifier.provider, io);
  if (summary.cancelled) return EXIT.interrupted;
  return summary.failed > 0 ? EXIT.someFilesFailed : EXIT.ok;
}

async function commitAll(exports: OpenExport[], io: CliIo): Promise<void> {
  for (const e of exports) {
    try {
      await e.sink.commit();
      io.err(`${e.kind} written: ${e.file}`);
    } catch (error) {
      throw new FatalError(`cannot write ${e.file}: ${(error as Error).message}`, { cause: error });
    }
  }
}

export function describeResult(r: FileResult): string {
  if (r.status === 'error') return `${r.path}\terror ${r.errorCode}: ${r.errorMessage}`;
  const labels = r.predictions.map((p) => `${p.label} ${p.score.toFixed(3)}`).join(', ');
  return `${r.path}\t${labels}`;
}

function printSummary(summary: TagSummary, failures: FileResult[], provider: string, io: CliIo): void {
  const done = summary.ok + summary.failed;
  const rate = summary.seconds > 0 ? done / summary.seconds : 0;
  const parts = [`${plural(summary.ok, 'photo')} tagged`];
  if (summary.failed > 0) {
    const byCode = Object.entries(summary.failedByCode)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    parts.push(`${summary.failed} failed (${byCode})`);
  }
  if (summary.skipped > 0) parts.push(`${plural(summary.skipped, 'other file')} skipped`);
  if (failures.length > 0) {
    io.err('failed files:');
    for (const f of failures) io.err(`  ${f.path}: ${f.errorCode}: ${f.errorMessage}`);
    if (summary.failed > failures.length)
      io.err(`  … and ${summary.failed - failures.length} more (see the error columns of the export)`);
  }
  if (done === 0 && !summary.cancelled) io.err('no photos found in the given files and folders');
  io.err(
    `${summary.cancelled ? 'interrupted: ' : ''}${parts.join(', ')} in ${formatDuration(summary.seconds)} (${formatRate(rate)} photos/s on ${provider})`,
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
