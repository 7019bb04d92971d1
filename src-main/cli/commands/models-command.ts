// `skiptag models` (CLI): list, install, remove and verify catalogue models; import yours; synth builds models in code.

import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { resolveConfig, type ModelSources } from '../../engine/config.js';
import { loadCatalog, type Catalog, type CatalogEntry } from '../../engine/models/catalog.js';
import { DownloadError } from '../../engine/models/download.js';
import {
  installModel,
  modelUrl,
  SelfTestFailedError,
  verifyFile,
  verifyInstalled,
} from '../../engine/models/install.js';
import { readModelSettings } from '../../engine/models/model-settings.js';
import { checkModelId, findInstalled, listModels, removeInstalled } from '../../engine/models/model-store.js';
import { loadSelfTestSpec } from '../../engine/models/self-test.js';
import { abortOnInterrupt, type CliIo, EXIT, FatalError, UsageError } from '../cli-io.js';
import { createDownloadProgress, formatBytes, percent } from '../console-output.js';
import { modelsImportCommand } from './models-import-command.js';
import { modelsQuantizeCommand } from './models-quantize-command.js';
import { synthCommand, SYNTH_MODELS } from './models-synth-command.js';

export function modelsHelp(modelsDir: string): string {
  return `Usage: skiptag models <command> [options]

Commands:
  list                  catalogue models (installed or available) and installed imports
  install <id>          download a catalogue model, verify its SHA-256, self-test it, install it
  remove <id>           delete an installed model (and any partial download)
  verify [id]           re-hash installed models against the catalogue (exit 1 if one is corrupt)
  import <file.onnx>    add your own ONNX classifier (see "skiptag models import --help")
  quantize <model>      int8 copy for fast CPU inference, calibrated on your photos
  synth <name> <file>   build a model in code: ${SYNTH_MODELS.join(', ')}

Models folder: ${modelsDir} ($SKIPTAG_MODELS_DIR to change it).
Run "skiptag models <command> --help" for a command's options.`;
}

const LIST_HELP = `Usage: skiptag models list [--json]

Lists every catalogue model as "installed" or "available" (with any interrupted download), its
size and ImageNet top-1/top-5 accuracy, and marks the recommended one with *; then models
installed with "models import".`;

const INSTALL_HELP = `Usage: skiptag models install <id> [--mirror URL]

Downloads the model (resuming an interrupted download), checks its size and SHA-256, classifies
the shipped reference photos with it (self-test) and only then moves it into the models folder.

Options:
  --mirror URL          fetch URL/<file name> instead of the model zoo (default $SKIPTAG_MODEL_MIRROR)
  --expectations FILE   self-test photos and expected classes (default models/selftest/)
  -q, --quiet           no progress display
A download that stalls for 30 s stops; run the command again to resume it.`;

const REMOVE_HELP = `Usage: skiptag models remove <id>

Deletes an installed model (catalogue or imported) and any partial download of it.`;

const VERIFY_HELP = `Usage: skiptag models verify [id]

Re-hashes installed catalogue models (or the one given) and compares them with the catalogue's
SHA-256 (imported models: the SHA-256 recorded when they were imported): prints ok or corrupt
for each; exit 1 if any is corrupt (reinstall or re-import it).`;

export async function modelsCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = args;
  // `install` resolves its own configuration: its --mirror option wins over $SKIPTAG_MODEL_MIRROR.
  if (sub === 'install') return installCommand(rest, io, env);
  const sources = resolveConfig({}, env).models;
  switch (sub) {
    case undefined:
    case '-h':
    case '--help':
      io.out(modelsHelp(sources.dir));
      return sub === undefined ? EXIT.usage : EXIT.ok;
    case 'list':
      return listCommand(rest, io, sources);
    case 'remove':
      return removeCommand(rest, io, sources.dir);
    case 'verify':
      return verifyCommand(rest, io, sources);
    case 'import':
      return modelsImportCommand(rest, io, sources.dir);
    case 'quantize':
      return modelsQuantizeCommand(rest, io, resolveConfig({}, env));
    case 'synth':
      return synthCommand(rest, io);
    default:
      throw new UsageError(`unknown models command "${sub}"`);
  }
}

/** The catalogue: `catalogFile` ($SKIPTAG_MODEL_CATALOG: tests, private catalogues), else the bundled one. */
async function catalog(catalogFile: string | null): Promise<Catalog> {
  try {
    return await loadCatalog(catalogFile ?? undefined);
  } catch (error) {
    throw new FatalError((error as Error).message, { cause: error });
  }
}

function entryFor(cat: Catalog, id: string): CatalogEntry {
  const entry = cat.models.find((m) => m.id === id);
  if (!entry) {
    throw new UsageError(
      `unknown model "${id}"; the catalogue has ${cat.models.map((m) => m.id).join(', ')}`,
    );
  }
  return entry;
}

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** Prints `help` when asked; true means the command is done. */
function helped(values: { help?: boolean }, help: string, io: CliIo): boolean {
  if (values.help) io.out(help);
  return values.help === true;
}

async function listCommand(args: string[], io: CliIo, sources: ModelSources): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, ...HELP_OPTION },
  });
  if (helped(values, LIST_HELP, io)) return EXIT.ok;
  if (positionals.length > 0) throw new UsageError('usage: skiptag models list [--json]');
  const cat = await catalog(sources.catalogFile);
  const { dir } = sources;
  const rows = await listModels(cat, dir);
  if (values.json) {
    io.out(JSON.stringify({ modelsDir: dir, recommended: cat.recommended, models: rows }, null, 2));
    return EXIT.ok;
  }
  const lines = rows.map((r) => {
    const state = r.installed ? 'installed' : 'available';
    const partial =
      !r.installed && r.partialBytes > 0 && r.entry
        ? ` (${percent(r.partialBytes, r.entry.bytes)} downloaded)`
        : '';
    const size = formatBytes(r.entry?.bytes ?? r.installed?.bytes ?? 0);
    const top5 = r.entry?.imagenetTop5 != null ? `${r.entry.imagenetTop5.toFixed(2)}%` : '-';
    const accuracy = r.entry
      ? `${`${r.entry.imagenetTop1.toFixed(2)}%`.padStart(6)}  ${top5.padStart(6)}`
      : 'imported';
    return `${r.recommended ? '*' : ' '} ${r.id.padEnd(22)} ${(state + partial).padEnd(10)} ${size.padStart(9)}  ${accuracy}`;
  });
  io.out(`  ${'model'.padEnd(22)} ${'state'.padEnd(10)} ${'size'.padStart(9)}  top-1   top-5`);
  for (const line of lines) io.out(line);
  io.out(`\n* recommended: ${cat.recommendedReason}`);
  io.out(`models folder: ${dir}`);
  return EXIT.ok;
}

async function installCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mirror: { type: 'string' },
      expectations: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      ...HELP_OPTION,
    },
  });
  if (helped(values, INSTALL_HELP, io)) return EXIT.ok;
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0) throw new UsageError('usage: skiptag models install <id> [--mirror URL]');
  const sources = resolveConfig({ mirror: values.mirror }, env).models;
  const entry = entryFor(await catalog(sources.catalogFile), id);
  const { dir } = sources;
  const present = await findInstalled(id, dir);
  if (present) {
    const check = await verifyInstalled(entry, present.path);
    if (check.ok) {
      io.err(`${id} is already installed and verified: ${present.path}`);
      io.out(present.path);
      return EXIT.ok;
    }
    // A tampered model must never be used, not even while its replacement downloads (or if that fails).
    await removeInstalledFile(present.path);
    io.err(
      `${id}: the installed file was corrupt (sha256 ${check.sha256}); removed it, downloading it again`,
    );
  }
  const mirror = sources.mirror ?? undefined;
  let url: string;
  let spec;
  try {
    url = modelUrl(entry, mirror);
    spec = await loadSelfTestSpec(values.expectations);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  io.err(`downloading ${id} (${formatBytes(entry.bytes)}) from ${url}`);
  const bar = createDownloadProgress(io, values.quiet ?? false);
  const controller = new AbortController();
  const release = abortOnInterrupt(controller, io, 'stopping: the partial download is kept for next time');
  try {
    const result = await installModel(entry, {
      dir,
      mirror,
      selfTest: spec,
      signal: controller.signal,
      onProgress: bar.update,
      onStage: (stage) => {
        bar.finish();
        if (stage === 'self-test')
          io.err(`verified sha256 ${entry.sha256}; self-test on ${spec.photos.length} photos`);
      },
    });
    for (const p of result.selfTest?.photos ?? []) {
      io.err(
        `  ${p.file}: ${p.top
          .slice(0, 3)
          .map((t) => `${t.label} ${t.score.toFixed(2)}`)
          .join(', ')}`,
      );
    }
    io.err(`installed ${id} (${formatBytes(result.bytes)}) → ${result.path}`);
    io.out(result.path);
    return EXIT.ok;
  } catch (error) {
    bar.finish();
    if (error instanceof DownloadError && error.kind === 'cancelled') {
      io.err(`skiptag: ${error.message}`);
      return EXIT.interrupted;
    }
    if (error instanceof DownloadError || error instanceof SelfTestFailedError) {
      const tail = error instanceof SelfTestFailedError ? `\n${id} was not installed` : '';
      throw new FatalError(`${error.message}${tail}`, { cause: error });
    }
    throw new FatalError(`cannot install ${id}: ${(error as Error).message}`, { cause: error });
  } finally {
    release();
  }
}

async function removeInstalledFile(file: string): Promise<void> {
  try {
    await rm(file, { force: true });
  } catch (error) {
    throw new FatalError(`cannot remove the corrupt ${file}: ${(error as Error).message}`, { cause: error });
  }
}

async function removeCommand(args: string[], io: CliIo, dir: string): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: HELP_OPTION });
  if (helped(values, REMOVE_HELP, io)) return EXIT.ok;
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0) throw new UsageError('usage: skiptag models remove <id>');
  try {
    checkModelId(id);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let outcome;
  try {
    outcome = await removeInstalled(id, dir);
  } catch (error) {
    throw new FatalError(`cannot remove ${id}: ${(error as Error).message}`, { cause: error });
  }
  if (!outcome.removed && !outcome.removedPartial) throw new FatalError(`${id} is not installed in ${dir}`);
  io.err(outcome.removed ? `removed ${id} from ${dir}` : `removed the partial download of ${id}`);
  return EXIT.ok;
}

async function verifyCommand(args: string[], io: CliIo, sources: ModelSources): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: HELP_OPTION });
  if (helped(values, VERIFY_HELP, io)) return EXIT.ok;
  const [only, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError('usage: skiptag models verify [id]');
  const cat = await catalog(sources.catalogFile);
  const rows = (await listModels(cat, sources.dir)).filter((r) => r.installed && (!only || r.id === only));
  if (only && rows.length === 0) throw new FatalError(`${only} is not installed in ${sources.dir}`);
  let corrupt = 0;
  for (const row of rows) {
    if (!row.installed) continue;
    // Imported models are checked against the SHA-256 recorded in their settings file when they were imported.
    const expected = row.entry ?? (await readModelSettings(row.installed.path).catch(() => null));
    if (!expected) {
      io.out(`${row.id}\tskipped (not in the catalogue, no recorded sha256)`);
      continue;
    }
    const bytes = row.entry ? row.entry.bytes : undefined;
    const check = await verifyFile(row.installed.path, expected.sha256, bytes);
    if (!check.ok) corrupt += 1;
    const want = `${expected.sha256}${bytes !== undefined ? ` (${bytes} bytes)` : ''}`;
    io.out(
      check.ok
        ? `${row.id}\tok`
        : `${row.id}\tcorrupt: expected sha256 ${want}, got ${check.sha256} (${check.bytes} bytes)`,
    );
  }
  if (rows.length === 0) io.err('no models installed');
  if (corrupt > 0) io.err(`${corrupt} corrupt: reinstall with "skiptag models install <id>"`);
  return corrupt > 0 ? EXIT.someFilesFailed : EXIT.ok;
}
