// `skiptag learn` (CLI): trains the personal-tag classifiers now and prints what each learned, from what, and how well.

import { parseArgs } from 'node:util';
import { resolveConfig } from '../../engine/config.js';
import { learnPersonalTags } from '../../engine/learning/learn-personal.js';
import { MIN_POSITIVES } from '../../engine/learning/personal-trainer.js';
import type { StoredClassifier } from '../../engine/library/personal-repo.js';
import { loadTaggingRules } from '../../engine/tagging/tag-rules.js';
import { type CliIo, escapeForTerminal, EXIT, FatalError, UsageError } from '../cli-io.js';
import { embeddingSource } from '../embedding-source.js';
import { openLibrary } from '../library-session.js';

export const LEARN_HELP = `Usage: skiptag learn [--library FILE] [--model NAME] [--rules FILE] [--json]

Learns your own tags: every tag you added or accepted on at least ${MIN_POSITIVES} photos (keywords imported
from sidecars and embedded XMP count) gets a classifier on the photos' ResNet features; tags you rejected
are its counter-examples. Then suggests each tag on the photos it fits, as personal suggestions. Prints
each tag with its examples and its cross-validated precision and recall. Runs on this machine only.

  --model NAME    learn on this model's features (default: the model most photos were tagged with)
  --rules FILE    thresholds, aliases and hidden tags apply to personal tags too
  --json          one JSON object instead of lines`;

export async function learnCommand(args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      library: { type: 'string' },
      model: { type: 'string' },
      rules: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.out(LEARN_HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const config = resolveConfig({ library: values.library }, env);
  const rules = await loadTaggingRules(values.rules ?? null, config.rulesFile).catch((error: unknown) => {
    throw new FatalError(`tag rules: ${(error as Error).message}`, { cause: error });
  });
  const library = openLibrary(config.libraryFile);
  try {
    const source = await embeddingSource(library, values.model, config.models.dir);
    const report = await learnPersonalTags(library, source.modelId, { force: true, rules });
    if (values.json) {
      io.out(
        JSON.stringify({
          model: source.name,
          tags: report.classifiers.map(describe),
          tooFew: report.tooFew,
          suggestedPhotos: report.suggestedPhotos,
          trainSeconds: report.trainSeconds,
        }),
      );
      return EXIT.ok;
    }
    for (const c of report.classifiers) io.out(`${escapeForTerminal(c.tag)}\t${describe(c).summary}`);
    for (const t of report.tooFew) {
      io.out(
        `${escapeForTerminal(t.tag)}\tnot learned yet: ${t.positives} of ${MIN_POSITIVES} photos needed`,
      );
    }
    io.err(
      `${report.classifiers.length} personal tags learned on ${source.name}'s features in ` +
        `${report.trainSeconds.toFixed(2)} s; suggested on ${report.suggestedPhotos} photos`,
    );
    return EXIT.ok;
  } finally {
    library.close();
  }
}

/** "learned from 14 photos (40 counter-examples), ~90% precise at 70% recall". */
export function describe(c: StoredClassifier): {
  tag: string;
  positives: number;
  negatives: number;
  precision: number | null;
  recall: number | null;
  summary: string;
} {
  const quality =
    c.cvPrecision === null || c.cvRecall === null
      ? 'too few examples to measure its precision'
      : `~${Math.round(c.cvPrecision * 100)}% precise at ${Math.round(c.cvRecall * 100)}% recall`;
  return {
    tag: c.tag,
    positives: c.positives,
    negatives: c.negatives,
    precision: c.cvPrecision,
    recall: c.cvRecall,
    summary: `learned from ${c.positives} photos (${c.negatives} counter-examples), ${quality}`,
  };
}
