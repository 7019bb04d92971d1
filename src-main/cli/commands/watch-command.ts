// `skiptag watch` (CLI): catch up with what changed, then tag photos as they arrive until Ctrl-C or SIGTERM.

import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { resolveConfig, type SkiptagConfig } from '../../engine/config.js';
import type { FileResult } from '../../shared/results.js';
import { tagIntoLibrary, type LibraryTagOptions } from '../../engine/jobs/tag-into-library.js';
import { describeHolder } from '../../engine/jobs/writer-lease.js';
import type { Library } from '../../engine/library/library.js';
import { explainLibraryError } from '../../engine/library/library-errors.js';
import { planInputs } from '../../engine/scan/input-set.js';
import { FolderWatcher } from '../../engine/scan/folder-watcher.js';
import { type CliIo, EXIT, FatalError, outputClosed, UsageError } from '../cli-io.js';
import { engineHelp, ENGINE_OPTIONS, loadRunRules, parseEngineSettings } from '../engine-settings.js';
import type { TaggingRules } from '../../engine/tagging/tag-rules.js';
import { openLibrary, startEngine, type EngineSession } from '../library-session.js';
import { describeDropped, describeResult, oneLine } from '../console-output.js';
import {
  parseXmpSettings,
  writeTagsAfterRun,
  XMP_HELP,
  XMP_OPTIONS,
  type XmpSettings,
} from './write-tags-command.js';
import { okImagesUnder } from './tag-command.js';

export function watchHelp(config: SkiptagConfig): string {
  return `Usage: skiptag watch [folders...] [options]

Adds the folders to the library as watched folders (without folders: the ones watched before),
tags whatever changed while Skiptag was not running, then keeps tagging photos as they are
added or changed, printing a line per photo. A folder inside a watched folder is covered by it.
A watched folder that disappears (unplugged drive, sync tool) is watched again when it comes
back. Shares the library with the app and other runs: while one of them is tagging, it waits.
Stop with Ctrl-C (or SIGTERM).

Options:
${engineHelp(config)}
${XMP_HELP}
  --poll              poll instead of file-system events (network drives)
  -h, --help          show this help`;
}

export async function watchCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      ...ENGINE_OPTIONS,
      ...XMP_OPTIONS,
      poll: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const config = resolveConfig({ library: values.library, model: values.model }, env);
  if (values.help) {
    io.out(watchHelp(config));
    return EXIT.ok;
  }
  if (values['no-library'])
    throw new UsageError('watch keeps its state in the library; --no-library is not possible');
  const settings = await parseEngineSettings(values, config);
  const plan = await planInputs(positionals, { includeHidden: settings.includeHidden });
  for (const folder of plan.inputs) {
    const isFolder = statSync(folder, { throwIfNoEntry: false })?.isDirectory() ?? false;
    if (!isFolder) throw new UsageError(`${folder} is not a folder: watch takes folders`);
  }
  const library = openLibrary(config.libraryFile);
  let session: EngineSession | null = null;
  try {
    for (const d of plan.dropped) {
      io.err(describeDropped(d, 'watched'));
    }
    for (const folder of plan.inputs) {
      const record = library.recordFolder(Buffer.from(folder), folder, true);
      if (record.coveredBy)
        io.err(`note: ${folder} is inside the watched folder ${record.coveredBy.display}`);
    }
    const folders = library.outermostWatched().map((f) => f.display);
    if (folders.length === 0) throw new UsageError('no folders to watch: name at least one');
    const tagRules = await loadRunRules(settings);
    const xmp = parseXmpSettings(values, settings.threshold);
    session = await startEngine(settings, io);
    return await watchLoop(
      library,
      session,
      tagRules,
      xmp,
      folders,
      settings.includeHidden,
      values.poll ?? false,
      io,
    ).catch((error: unknown) => {
      const explained = explainLibraryError(error, config.libraryFile);
      throw explained === null ? error : new FatalError(explained, { cause: error });
    });
  } finally {
    await session?.engine.close();
    library.close();
  }
}

async function watchLoop(
  library: Library,
  { engine, model }: EngineSession,
  tagRules: TaggingRules,
  xmp: XmpSettings | null,
  folders: string[],
  includeHidden: boolean,
  poll: boolean,
  io: CliIo,
): Promise<number> {
  const stop = new AbortController();
  const onSignal = () => {
    io.err('stopping: finishing the photos in flight');
    stop.abort();
  };
  const onClosed = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  outputClosed.addEventListener('abort', onClosed);
  const printResult = (result: FileResult) => io.out(describeResult(result));
  const watcher = new FolderWatcher({ forcePolling: poll, includeHidden });
  const queued = new Set<string>();
  /** Watched folders that came back after being gone: scanned whole, like at start-up. */
  const rescans = new Set<string>();
  let wake: (() => void) | null = null;
  const enqueue = (file: string) => {
    queued.add(file);
    wake?.();
  };
  watcher.on('file-added', enqueue);
  watcher.on('file-changed', enqueue);
  watcher.on('file-removed', (file: string) => {
    if (library.markMissingPath(Buffer.from(file))) io.out(`${oneLine(file)}\tmissing`);
  });
  watcher.on('mode', (kind: string, reason: string | null) => {
    if (kind === 'polling') io.err(`watching by polling: ${reason ?? 'requested'}`);
  });
  watcher.on('folder-gone', (folder: string) =>
    io.err(`watched folder ${folder} is gone: it is watched again when it comes back`),
  );
  watcher.on('folder-back', (folder: string) => {
    io.err(`watched folder ${folder} is back: watching it again and scanning it`);
    rescans.add(folder);
    wake?.();
  });
  watcher.on('error', (error: Error) => io.err(`watcher: ${error.message}`));
  // Every run of watch shares the library with the app and other runs: it waits its turn, saying for whom.
  const writer: LibraryTagOptions['writer'] = {
    kind: 'watch',
    wait: true,
    onWaiting: (holder) => io.err(`waiting: library busy: ${describeHolder(holder)} is using it`),
  };
  try {
    // Start watching before the catch-up scan so nothing added during the scan is missed.
    for (const folder of folders) watcher.add(folder);
    await watcher.ready();
    for (const folder of watcher.absentFolders) {
      io.err(`watched folder ${folder} is not there now: it is watched again when it comes back`);
    }
    const present = folders.filter((f) => !watcher.absentFolders.includes(f));
    io.err(`catching up on ${present.length} watched folder(s)…`);
    const catchUp = await tagIntoLibrary({
      library,
      engine,
      model,
      inputs: present,
      tagRules,
      watch: true,
      includeHidden,
      importKeywords: true,
      signal: stop.signal,
      writer,
      onResult: printResult,
    });
    if (xmp) await writeTagsAfterRun(library, okImagesUnder(library, present), xmp, io);
    io.err(
      `up to date (${catchUp.counts.new} new, ${catchUp.counts.changed} changed, ${catchUp.missing} missing); watching ${folders.join(', ')}`,
    );
    while (!stop.signal.aborted) {
      if (queued.size === 0 && rescans.size === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          stop.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        wake = null;
        continue;
      }
      const tagged: number[] = [];
      const onResult: LibraryTagOptions['onResult'] = (result, _outcome, imageId) => {
        printResult(result);
        if (result.status === 'ok' && imageId !== null) tagged.push(imageId);
      };
      if (rescans.size > 0) {
        const back = [...rescans];
        rescans.clear();
        await tagIntoLibrary({
          library,
          engine,
          model,
          inputs: back,
          tagRules,
          watch: true,
          includeHidden,
          importKeywords: true,
          recordJob: false,
          signal: stop.signal,
          writer,
          onResult,
        });
      }
      const files = [...queued];
      queued.clear();
      if (files.length > 0) {
        await tagIntoLibrary({
          library,
          engine,
          model,
          inputs: files,
          tagRules,
          includeHidden: true,
          importKeywords: true,
          recordJob: false,
          signal: stop.signal,
          writer,
          onResult,
        });
      }
      if (xmp) await writeTagsAfterRun(library, tagged, xmp, io);
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError || error instanceof FatalError) throw error;
    throw new FatalError((error as Error).message, { cause: error });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    outputClosed.removeEventListener('abort', onClosed);
    await watcher.close();
  }
}
