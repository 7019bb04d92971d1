// `skiptag tag` (CLI): classify photos in files and folders, recorded in the library (or not: --no-library); print or export labels.

import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig, type SkiptagConfig } from '../../engine/config.js';
import { currentTags, exportImageToResult } from '../../engine/export/library-export.js';
import { type LibraryTagSummary, tagIntoLibrary } from '../../engine/jobs/tag-into-library.js';
import { describeHolder, WriterLease } from '../../engine/jobs/writer-lease.js';
import { planInputs } from '../../engine/scan/input-set.js';
import { parseShard, type Shard } from '../../engine/scan/shard.js';
import type { Library } from '../../engine/library/library.js';
import { explainLibraryError } from '../../engine/library/library-errors.js';
import type { FileResult } from '../../shared/results.js';
import { abortOnInterrupt, type CliIo, EXIT, FatalError, UsageError } from '../cli-io.js';
import {
  createProgressReporter,
  describeDropped,
  describeFailedCodes,
  describeResult,
  formatDuration,
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
import { beginWorker, openLibrary, workerHeadStart } from '../library-session.js';
import type { PreforkedLauncher } from '../../engine/worker/worker-launcher.js';
import { identifyModel, type ModelIdentity } from '../../engine/models/locate-model.js';
import type { SupervisorTimeline, WorkerSupervisor } from '../../engine/worker/worker-supervisor.js';
import { assertModelWorked, tagDirect } from './tag-direct.js';
import { checkOutputTargets, commitOutputs, openResultOutputs, type ResultOutput } from '../output-files.js';
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
  --shard I/N         only the photos in shard I of N (0 to N-1, by a hash of each photo's path):
                      run N of these on N machines, each with its own --library, then combine
                      the libraries with skiptag merge (see docs/scale-out.md)
  --wait              when another run (watch, the app, another tag) is writing to the library,
                      wait for it to finish instead of failing
  -q, --quiet         no progress display
  --timings           say at the end where the time went: when the model was open, when the
                      first photo went to the decoder and the last result came back
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
      wait: { type: 'boolean' },
      shard: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      timings: { type: 'boolean' },
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
  if (values.wait && !libraryFile) throw new UsageError('--wait is about the library; drop --no-library');
  if (values.timings && !libraryFile)
    throw new UsageError('--timings times the run of the worker process; drop --no-library');
  const shard = values.shard === undefined ? null : parseShardOption(values.shard);
  if (shard && !libraryFile)
    throw new UsageError('--shard records each shard in its own library (merged later); drop --no-library');
  // One walk per file or folder: the same path twice, or a path inside a folder also given, is covered once.
  const plan = await planInputs(positionals, { includeHidden: settings.includeHidden });
  for (const d of plan.dropped) {
    io.err(describeDropped(d, 'tagged'));
  }
  await checkOutputTargets(values, libraryFile, plan.inputs, settings.includeHidden);
  const outputs = await openResultOutputs(values.csv, values.json, values.bom ?? false);
  try {
    return libraryFile
      ? await tagWithLibrary(
          plan.inputs,
          settings,
          libraryFile,
          outputs,
          xmp,
          {
            quiet: values.quiet ?? false,
            wait: values.wait ?? false,
            shard,
            timings: values.timings ?? false,
          },
          io,
        )
      : await tagDirect(plan.inputs, settings, outputs, values.quiet ?? false, io);
  } finally {
    // Outputs not committed by then (a fatal error before any work) leave no temp file behind.
    await Promise.all(outputs.map((o) => o.sink.abort()));
  }
}

/** `skiptag tag` with the library: incremental tagging recorded in SQLite, in a separate engine process. */
async function tagWithLibrary(
  inputs: string[],
  settings: EngineSettings,
  libraryFile: string,
  outputs: ResultOutput[],
  xmp: XmpSettings | null,
  options: RunOptions,
  io: CliIo,
): Promise<number> {
  // A worker process starts loading now, beside the library and the walk; used for the first photo to
  // classify, ended unused when the folder is unchanged.
  const headStart = await workerHeadStart();
  try {
    return await tagWithLibraryAndWorker(inputs, settings, libraryFile, outputs, xmp, options, io, headStart);
  } finally {
    headStart?.dispose();
  }
}

async function tagWithLibraryAndWorker(
  inputs: string[],
  settings: EngineSettings,
  libraryFile: string,
  outputs: ResultOutput[],
  xmp: XmpSettings | null,
  { quiet, wait, shard, timings }: RunOptions,
  io: CliIo,
  headStart: PreforkedLauncher | null,
): Promise<number> {
  const tagRules = await loadRunRules(settings);
  const library = openLibrary(libraryFile);
  try {
    // Refused before the engine starts; tagIntoLibrary takes the lease itself (and refuses a late comer).
    if (!wait) WriterLease.assertFree(library, BUSY_HINT);
    // The worker starts with the first photo to classify: an unchanged folder never loads the model.
    const model = await identifyModel(settings.modelPath, { cacheDir: settings.cacheDir });
    // A holder, not a `let`: it is set inside the start callback, where TypeScript cannot follow it.
    const started: { engine: WorkerSupervisor | null } = { engine: null };
    const controller = new AbortController();
    const release = abortOnInterrupt(
      controller,
      io,
      'stopping: finishing the photos in flight and saving results',
    );
    const progress = createProgressReporter(io.errStream, quiet);
    const failures: FileResult[] = [];
    const classified = { count: 0, lastAt: 0 };
    /** This run's model_output_invalid results: the library records nothing for them, the outputs show them. */
    const invalid = new Map<number, FileResult>();

    let summary: LibraryTagSummary;
    try {
      summary = await tagIntoLibrary({
        library,
        engine: async () => {
          progress.finish();
          // Not waiting for the model: the first photos go to the worker at once and decode while it opens.
          started.engine = await beginWorker(settings, io, undefined, headStart ?? undefined);
          return started.engine;
        },
        model,
        inputs,
        tagRules,
        includeHidden: settings.includeHidden,
        ...(shard ? { shard } : {}),
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
        writer: {
          kind: 'tag',
          wait,
          busyHint: BUSY_HINT,
          onWaiting: (holder) => {
            progress.finish();
            io.err(`waiting: library busy: ${describeHolder(holder)} is using it`);
          },
        },
        onResult: (result, _outcome, imageId) => {
          if (imageId !== null) {
            classified.count += 1;
            classified.lastAt = performance.now();
          }
          if (result.status === 'error' && failures.length < 20) failures.push(result);
          if (result.errorCode === 'model_output_invalid' && imageId !== null) invalid.set(imageId, result);
          if (outputs.length === 0) {
            progress.finish();
            io.out(describeResult(result));
          }
        },
      });
    } catch (error) {
      const explained = explainLibraryError(error, libraryFile);
      throw new FatalError(explained ?? (error as Error).message, { cause: error });
    } finally {
      release();
      progress.finish();
      await started.engine?.close();
    }
    // Photos already tagged with this model (unchanged) count as the model working: only new NaNs are errors then.
    assertModelWorked(summary.ok + summary.counts.unchanged, summary.failedByCode, true);
    await writeOutputs(library, inputs, model, outputs, invalid, io);
    // Every photo of the inputs, not only this run's: `tag --xmp` on a tagged folder writes its tags too.
    if (xmp) await writeTagsAfterRun(library, okImagesUnder(library, inputs), xmp, io);
    printFailures(failures, summary.failed, io);
    const pairs = [...new Set(inputs.map((input) => path.resolve(input)))].reduce(
      (n, input) => n + library.pairsUnder(Buffer.from(input)),
      0,
    );
    // No provider when the run was stopped before the model opened.
    printLibrarySummary(summary, pairs, started.engine?.readyInfo?.provider ?? null, libraryFile, io);
    if (timings) {
      io.err(
        started.engine
          ? describeTimings(started.engine.timeline, classified)
          : 'timings: nothing to classify, no worker was asked for',
      );
    }
    if (summary.cancelled) return EXIT.interrupted;
    return summary.failed > 0 || summary.crashed > 0 ? EXIT.someFilesFailed : EXIT.ok;
  } finally {
    library.close();
  }
}

const BUSY_HINT = '; --wait to queue';

interface RunOptions {
  quiet: boolean;
  wait: boolean;
  shard: Shard | null;
  timings: boolean;
}

/** `--timings`: seconds since this command started, and the photo rate from the first decode to the last result. */
function describeTimings(times: SupervisorTimeline, classified: { count: number; lastAt: number }): string {
  const at = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(2)} s`);
  const parts = [`worker asked for at ${at(times.launchedAt)}`, `model open at ${at(times.openedAt)}`];
  if (times.firstDecodeAt !== null && classified.count > 0) {
    const seconds = (classified.lastAt - times.firstDecodeAt) / 1000;
    parts.push(
      `first photo to the decoder at ${at(times.firstDecodeAt)}, last result at ${at(classified.lastAt)} (${classified.count} photos in ${seconds.toFixed(2)} s: ${(classified.count / seconds).toFixed(1)} per second)`,
    );
  }
  return `timings: ${parts.join('; ')}`;
}

function parseShardOption(text: string): Shard {
  try {
    return parseShard(text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Exports go through the library, so unchanged photos (not classified again) are in the file too. */
async function writeOutputs(
  library: Library,
  inputs: string[],
  model: ModelIdentity,
  outputs: ResultOutput[],
  invalid: ReadonlyMap<number, FileResult>,
  io: CliIo,
): Promise<void> {
  if (outputs.length === 0) return;
  const modelId = library.ensureModel(model.sha256, model.name);
  // A photo named beside its folder (one the folder's walk skips, such as a hidden one) is under both.
  const written = new Set<number>();
  for (const input of inputs) {
    for (const image of library.exportImages({ folder: Buffer.from(path.resolve(input)), modelId })) {
      if (written.has(image.imageId)) continue;
      written.add(image.imageId);
      const failed = invalid.get(image.imageId);
      if (failed === undefined && (image.status === 'missing' || image.status === 'pending')) continue;
      const result = failed ?? exportImageToResult(image);
      const tags = failed ? [] : currentTags(image);
      for (const o of outputs) {
        try {
          await o.sink.write(result, tags);
        } catch (error) {
          throw new FatalError(`cannot write ${o.file}: ${(error as Error).message}`, { cause: error });
        }
      }
    }
  }
  await commitOutputs(outputs, io);
}

function printLibrarySummary(
  s: LibraryTagSummary,
  pairs: number,
  provider: string | null,
  libraryFile: string,
  io: CliIo,
): void {
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
  if (pairs > 0) work.push(`${plural(pairs, 'RAW+JPEG pair')} shown as one photo each`);
  if (s.otherShards > 0) work.push(`${s.otherShards} left to other shards`);
  io.err(
    `${s.cancelled ? 'interrupted: ' : ''}${scanned.join(', ')}; ${work.join(', ')} in ${formatDuration(s.seconds)}${provider === null ? ' (nothing to classify: the model was not loaded)' : ` on ${provider}`}`,
  );
  io.err(`library: ${libraryFile}`);
}

/** Ids of the classified photos under the inputs (paged through the library, so any size fits). */
export function okImagesUnder(library: Library, inputs: string[]): number[] {
  const ids = new Set<number>();
  for (const input of inputs) {
    for (const image of library.exportImages({ folder: Buffer.from(path.resolve(input)) })) {
      if (image.status === 'ok') ids.add(image.imageId);
    }
  }
  return [...ids];
}
