// skiptag command-line entry (CLI process): dispatches subcommands and maps failures to documented exit codes.

import { readFileSync } from 'node:fs';
import { type CliIo, EXIT, FatalError, guardClosedPipes, processIo, UsageError } from './cli-io.js';
import { doctorCommand } from './commands/doctor-command.js';
import { exportCommand } from './commands/export-command.js';
import { learnCommand } from './commands/learn-command.js';
import { modelsCommand } from './commands/models-command.js';
import { nearDuplicatesCommand, similarCommand } from './commands/similar-command.js';
import { statusCommand } from './commands/status-command.js';
import { tagCommand } from './commands/tag-command.js';
import { watchCommand } from './commands/watch-command.js';
import { writeTagsCommand } from './commands/write-tags-command.js';

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
        return await tagCommand(rest, io, env);
      case 'watch':
        return await watchCommand(rest, io, env);
      case 'export':
        return await exportCommand(rest, io, env);
      case 'status':
        return await statusCommand(rest, io, env);
      case 'models':
        return await modelsCommand(rest, io, env);
      case 'doctor':
        return await doctorCommand(rest, io, env);
      case 'learn':
        return await learnCommand(rest, io, env);
      case 'similar':
        return await similarCommand(rest, io, env);
      case 'near-duplicates':
        return await nearDuplicatesCommand(rest, io, env);
      case 'write-tags':
        return await writeTagsCommand(rest, io, env);
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
