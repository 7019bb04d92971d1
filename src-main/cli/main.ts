// skiptag command-line entry (CLI process): dispatches subcommands and maps failures to documented exit codes.

import { readFileSync } from 'node:fs';
import { type CliIo, EXIT, FatalError, guardClosedPipes, processIo, UsageError } from './cli-io.js';

export const MAIN_HELP = `Usage: skiptag <command> [options]

Offline photo tagger: classifies photos with a ResNet (ImageNet) in onnxruntime-node.

Commands:
  tag <files and folders...>          tag photos (recorded in the library), print or export labels
  watch [folders...]                  keep tagging photos as they arrive in watched folders
  export --csv FILE                   export the library's labels (CSV wide/long, JSON), with filters
  status                              what the library holds
  learn                               learn your own tags from your keywords and decisions
  similar PHOTO [--top N]             the photos that look most like PHOTO
  near-duplicates [--min-similarity]  groups of near-duplicate photos
  write-tags                          write tags as XMP keywords (sidecars, or --xmp embed)
  merge --library FILE SHARD.db...    merge shard libraries (tag --shard I/N) into one
  models list|install|remove|verify   the ResNet catalogue: downloaded once, verified, then offline
  models import <file> --name NAME    bring your own ONNX classifier
  models synth <name> <file>          build a model in code: resnet18, resnet50, colours, tiny-resnet
  doctor                              providers (do they load, how fast), library and models

Run "skiptag <command> --help" for a command's options.

Options:
  -h, --help       show this help
  -v, --version    show the version`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * Runs the CLI with argv (without node and script) and returns the process exit code. Each command
 * resolves its options with `env`'s SKIPTAG_* variables once (engine/config.ts) and passes plain values on.
 * Each command's module is loaded when it runs: `tag` then never loads onnxruntime, protobuf or chokidar
 * in this process (the doctor, models and watch commands do), about 0.2 s of every start.
 */
export async function runCli(
  argv: string[],
  io: CliIo = processIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const [command, ...rest] = argv;
  if (io === processIo) guardClosedPipes();
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(MAIN_HELP);
        return command === undefined ? EXIT.usage : EXIT.ok;
      case '-v':
      case '--version':
        io.out(version());
        return EXIT.ok;
      case 'tag':
        return await (await import('./commands/tag-command.js')).tagCommand(rest, io, env);
      case 'watch':
        return await (await import('./commands/watch-command.js')).watchCommand(rest, io, env);
      case 'export':
        return await (await import('./commands/export-command.js')).exportCommand(rest, io, env);
      case 'status':
        return await (await import('./commands/status-command.js')).statusCommand(rest, io, env);
      case 'models':
        return await (await import('./commands/models-command.js')).modelsCommand(rest, io, env);
      case 'doctor':
        return await (await import('./commands/doctor-command.js')).doctorCommand(rest, io, env);
      case 'learn':
        return await (await import('./commands/learn-command.js')).learnCommand(rest, io, env);
      case 'similar':
        return await (await import('./commands/similar-command.js')).similarCommand(rest, io, env);
      case 'near-duplicates':
        return await (await import('./commands/similar-command.js')).nearDuplicatesCommand(rest, io, env);
      case 'write-tags':
        return await (await import('./commands/write-tags-command.js')).writeTagsCommand(rest, io, env);
      case 'merge':
        return await (await import('./commands/merge-command.js')).mergeCommand(rest, io, env);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    return reportFailure(error, io);
  }
}

function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof UsageError || isParseArgsError(error)) {
    io.err(`skiptag: ${(error as Error).message}`);
    io.err('Run "skiptag --help" for usage.');
    return EXIT.usage;
  }
  if (error instanceof FatalError) {
    io.err(`skiptag: ${error.message}`);
    return EXIT.fatal;
  }
  io.err(
    `skiptag: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  return EXIT.fatal;
}

/** node:util parseArgs reports unknown options and missing values with these codes. */
function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}
