// `skiptag merge` (CLI): merges shard libraries (from `tag --shard`) into one library, idempotently.

import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../engine/config.js';
import { WriterLease } from '../../engine/jobs/writer-lease.js';
import { Library, type MergeCounts } from '../../engine/library/library.js';
import { explainLibraryError } from '../../engine/library/library-errors.js';
import { type CliIo, EXIT, FatalError, UsageError } from '../cli-io.js';
import { plural } from '../console-output.js';
import { openLibrary } from '../library-session.js';

export const MERGE_HELP = `Usage: skiptag merge --library FILE SHARD.db...

Merges libraries written by "skiptag tag --shard I/N" (or any other libraries) into the library
FILE, created when missing. Photos are matched by path, so every shard must have seen the archive at
the same path. For each photo and model the newest classification wins; the user's decisions
(accepted or rejected tags) are never lost. Merging a shard again changes nothing. Each shard is
merged in one transaction: an interrupted merge leaves the shards merged so far, and running the
same command again finishes the job. See docs/scale-out.md.

Options:
  --library FILE   the library to merge into (default: $SKIPTAG_LIBRARY, else the default library)
  -h, --help       show this help

Exit codes: 0 all shards merged, 1 some shards could not be read (the others are merged),
2 usage error, 3 the target library cannot be opened or is busy.`;

export async function mergeCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { library: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.out(MERGE_HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('merge needs at least one shard library to merge');
  const target = resolveConfig({ library: values.library }, env).libraryFile;
  const library = openLibrary(target);
  let failed = 0;
  try {
    const lease = await WriterLease.acquire(library, { kind: 'merge', wait: false }).catch(
      (error: unknown) => {
        throw new FatalError(explainLibraryError(error, target) ?? (error as Error).message, {
          cause: error,
        });
      },
    );
    try {
      for (const shard of positionals) {
        const resolved = path.resolve(shard);
        if (sameFile(resolved, target)) {
          io.err(`${shard}: is the library being merged into; skipped`);
          failed += 1;
          continue;
        }
        try {
          upgradeShard(resolved);
          lease.assertHeld();
          io.err(`${shard}: ${describeCounts(library.mergeFrom(resolved))}`);
        } catch (error) {
          failed += 1;
          io.err(`${shard}: not merged: ${explainLibraryError(error, resolved) ?? (error as Error).message}`);
        }
      }
    } finally {
      lease.release();
    }
  } finally {
    library.close();
  }
  io.err(`library: ${target}`);
  return failed > 0 ? EXIT.someFilesFailed : EXIT.ok;
}

/** Opening a shard with Library.open brings an older file up to this Skiptag's schema (and refuses a newer one). */
function upgradeShard(file: string): void {
  if (!existsAsFile(file)) throw new Error('no such library file');
  Library.open(file).close();
}

function existsAsFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

function describeCounts(c: MergeCounts): string {
  if (c.imagesAdded + c.imagesUpdated + c.classificationsTaken + c.decisionsTaken + c.foldersMerged === 0) {
    return 'nothing new (already merged)';
  }
  return [
    `${plural(c.imagesAdded, 'photo')} added`,
    `${c.imagesUpdated} updated`,
    `${plural(c.classificationsTaken, 'classification')} taken`,
    `${plural(c.decisionsTaken, 'decision')} taken`,
  ].join(', ');
}
