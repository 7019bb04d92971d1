// `skiptag similar` and `skiptag near-duplicates` (CLI): photos that look alike, from the embeddings in the library.

import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveConfig } from '../../engine/config.js';
import { allocateInt8Rows } from '../../engine/simd/int8-dots.js';
import { nearDuplicateGroups, nearestTo, rowOf } from '../../engine/similar/similarity.js';
import { type CliIo, escapeForTerminal, EXIT, FatalError, UsageError } from '../cli-io.js';
import { embeddingSource } from '../embedding-source.js';
import { openLibraryForReading } from '../library-session.js';
import { parseFraction, parseInteger } from '../parse-options.js';

export const SIMILAR_HELP = `Usage: skiptag similar PHOTO [--top N] [--library FILE] [--model NAME] [--json]

Prints the photos in the library that look most like PHOTO, most similar first, with their cosine
similarity (1 = the same picture). PHOTO must have been tagged into the library.

  --top N         how many to print (default 10, up to 1000)
  --model NAME    use this model's embeddings (default: the model most photos were tagged with)
  --json          one JSON array instead of lines`;

export const NEAR_DUPLICATES_HELP = `Usage: skiptag near-duplicates [--min-similarity S] [--library FILE] [--model NAME] [--json]

Prints groups of near-duplicate photos (resized, re-encoded or burst shots), largest group first.
Photos are linked when their cosine similarity is at least S (default 0.95); a chain of links is one group.`;

const options = {
  library: { type: 'string' },
  model: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function similarCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...options, top: { type: 'string' } },
  });
  if (values.help) {
    io.out(SIMILAR_HELP);
    return EXIT.ok;
  }
  const [photo, extra] = positionals;
  if (photo === undefined) throw new UsageError('similar needs a PHOTO');
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const top = parseInteger('top', values.top, 10, 1, 1000);
  const config = resolveConfig({ library: values.library }, env);
  const library = openLibraryForReading(config.libraryFile);
  try {
    const absolute = path.resolve(photo);
    const image = library.getImageByPath(Buffer.from(absolute));
    if (!image) {
      throw new FatalError(
        `${escapeForTerminal(absolute)} is not in the library: run "skiptag tag" on it first`,
      );
    }
    const source = await embeddingSource(library, values.model, config.models.dir);
    const matrix = library.similarityMatrix(source.modelId, allocateInt8Rows);
    // The JPEG of a RAW+JPEG pair asks for the photo the pair is (its RAW, by default).
    const row = rowOf(matrix, library.shownHalf(image.id, matrix));
    if (row < 0) {
      throw new FatalError(
        `${escapeForTerminal(absolute)} has no embedding from ${source.name}: tag it again with that model`,
      );
    }
    const neighbours = nearestTo(matrix, row, top).map((n) => ({
      path: library.getImage(n.imageId)?.display ?? '',
      similarity: n.similarity,
    }));
    if (values.json) io.out(JSON.stringify(neighbours));
    else for (const n of neighbours) io.out(`${n.similarity.toFixed(4)}\t${escapeForTerminal(n.path)}`);
    if (!values.json) io.err(`${neighbours.length} of ${matrix.ids.length - 1} photos, by ${source.name}`);
    return EXIT.ok;
  } finally {
    library.close();
  }
}

export async function nearDuplicatesCommand(
  args: string[],
  io: CliIo,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: { ...options, 'min-similarity': { type: 'string' } },
  });
  if (values.help) {
    io.out(NEAR_DUPLICATES_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const min = parseFraction('min-similarity', values['min-similarity'], 0.95);
  const config = resolveConfig({ library: values.library }, env);
  const library = openLibraryForReading(config.libraryFile);
  try {
    const source = await embeddingSource(library, values.model, config.models.dir);
    const matrix = library.similarityMatrix(source.modelId, allocateInt8Rows);
    let lastReport = performance.now();
    const groups = nearDuplicateGroups(matrix, min, (done, total) => {
      // Quadratic work: a large library takes a while, so say how far it got every few seconds.
      if (performance.now() - lastReport < 5000) return;
      lastReport = performance.now();
      io.err(`compared ${done} of ${total} photos…`);
    });
    const named = groups.map((g) => g.map((id) => library.getImage(id)?.display ?? ''));
    if (values.json) io.out(JSON.stringify(named));
    else {
      named.forEach((group, i) => {
        if (i > 0) io.out('');
        for (const file of group) io.out(escapeForTerminal(file));
      });
      io.err(`${groups.length} groups of near duplicates among ${matrix.ids.length} photos (≥ ${min})`);
    }
    return EXIT.ok;
  } finally {
    library.close();
  }
}
