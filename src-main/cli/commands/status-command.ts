// `skiptag status` (CLI): what the library holds — folders, photos by status, tags and unfinished jobs.

import { parseArgs } from 'node:util';
import { resolveConfig } from '../../engine/config.js';
import { type CliIo, escapeForTerminal, EXIT, UsageError } from '../cli-io.js';
import { openLibraryForReading } from '../library-session.js';
import { describe } from './learn-command.js';

export const STATUS_HELP = `Usage: skiptag status [--library FILE] [--json]

Prints the library's counts: folders (and which are watched), photos by status, tags.`;

export async function statusCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      library: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(STATUS_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const libraryFile = resolveConfig({ library: values.library }, env).libraryFile;
  const library = openLibraryForReading(libraryFile);
  try {
    const counts = library.statusCounts();
    const folders = library.listFolders();
    const personal = library.embeddings
      .models()
      .flatMap((m) =>
        library.personal.classifiers(m.modelId).map((c) => ({ model: m.name, ...describe(c) })),
      );
    if (values.json) {
      io.out(
        JSON.stringify({
          library: libraryFile,
          ...counts,
          folders: folders.map((f) => ({ path: f.display, watched: f.watched, lastScanAt: f.lastScanAt })),
          personalTags: personal.map(({ summary: _summary, ...tag }) => tag),
        }),
      );
      return EXIT.ok;
    }
    io.out(`library: ${libraryFile}`);
    io.out(`folders: ${counts.folders}`);
    for (const f of folders)
      io.out(
        `  ${f.display}${f.watched ? ' (watched)' : ''}${f.lastScanAt ? `, last scan ${f.lastScanAt}` : ''}`,
      );
    io.out(`photos: ${counts.images}`);
    for (const [status, n] of Object.entries(counts.byStatus)) io.out(`  ${status}: ${n}`);
    io.out(
      `tagged photos: ${counts.tagged}; accepted tags: ${counts.acceptedTags}; rejected tags: ${counts.rejectedTags}`,
    );
    io.out(`personal tags: ${personal.length}${personal.length === 0 ? ' (see "skiptag learn")' : ''}`);
    for (const p of personal) io.out(`  ${escapeForTerminal(p.tag)}: ${p.summary}`);
    return EXIT.ok;
  } finally {
    library.close();
  }
}
