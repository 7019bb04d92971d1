// `skiptag watch` (CLI): catch up with what changed, then tag photos as they arrive until Ctrl-C or SIGTERM.

import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig, type SkiptagConfig } from '../../engine/config.js';
import type { FileResult } from '../../shared/results.js';
import { tagIntoLibrary } from '../../engine/jobs/tag-into-library.js';
import type { Library } from '../../engine/library/library.js';
import { FolderWatcher } from '../../engine/scan/folder-watcher.js';
import { type CliIo, EXIT, FatalError, UsageError } from '../cli-io.js';
import { engineHelp, ENGINE_OPTIONS, loadRunRules, parseEngineSettings } from '../engine-settings.js';
import type { TaggingRules } from '../../engine/tagging/tag-rules.js';
import { openLibrary, startEngine, type EngineSession } from '../library-session.js';
import { describeResult } from '../console-output.js';
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
added or changed, printing a line per photo. Stop with Ctrl-C (or SIGTERM).

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
  const library = openLibrary(config.libraryFile);
  let session: EngineSession | null = null;
  try {
    for (const folder of positionals) {
      const absolute = path.resolve(folder);
      library.upsertFolder(Buffer.from(absolute), absolute, true);
    }
    const folders = library
      .listFolders()
      .filter((f) => f.watched)
      .map((f) => f.display);
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
    );
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
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const printResult = (result: FileResult) => io.out(describeResult(result));
  const watcher = new FolderWatcher({ forcePolling: poll, includeHidden });
  const queued = new Set<string>();
  let wake: (() => void) | null = null;
  const enqueue = (file: string) => {
    queued.add(file);
    wake?.();
  };
  watcher.on('file-added', enqueue);
  watcher.on('file-changed', enqueue);
  watcher.on('file-removed', (file: string) => {
    if (library.markMissingPath(Buffer.from(file))) io.out(`${file}\tmissing`);
  });
  watcher.on('mode', (kind: string, reason: string | null) => {
    if (kind === 'polling') io.err(`watching by polling: ${reason ?? 'requested'}`);
  });
  watcher.on('error', (error: Error) => io.err(`watcher: ${error.message}`));
  try {
    // Start watching before the catch-up scan so nothing added during the scan is missed.
    for (const folder of folders) watcher.add(folder);
    await watcher.ready();
    io.err(`catching up on ${folders.length} watched folder(s)…`);
    const catchUp = await tagIntoLibrary({
      library,
      engine,
      model,
      inputs: folders,
      tagRules,
      watch: true,
      includeHidden,
      importKeywords: true,
      signal: stop.signal,
      onResult: printResult,
    });
    if (xmp) await writeTagsAfterRun(library, okImagesUnder(library, folders), xmp, io);
    io.err(
      `up to date (${catchUp.counts.new} new, ${catchUp.counts.changed} changed, ${catchUp.missing} missing); watching ${folders.join(', ')}`,
    );
    while (!stop.signal.aborted) {
      if (queued.size === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          stop.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        wake = null;
        continue;
      }
      const files = [...queued];
      queued.clear();
      const tagged: number[] = [];
      await tagIntoLibrary({
        library,
        engine,
        model,
        inputs: files,
        tagRules,
        includeHidden: true,
        importKeywords: true,
        recordJob: false,
        onResult: (result, _outcome, imageId) => {
          printResult(result);
          if (result.status === 'ok' && imageId !== null) tagged.push(imageId);
        },
      });
      if (xmp) await writeTagsAfterRun(library, tagged, xmp, io);
    }
    return EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError || error instanceof FatalError) throw error;
    throw new FatalError((error as Error).message, { cause: error });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await watcher.close();
  }
}
