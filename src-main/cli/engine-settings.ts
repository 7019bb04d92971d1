// Engine options shared by `tag` and `watch` (CLI): model, labels, provider, batching, limits, library location.

import type { EpChoice } from '../engine/classify/providers.js';
import { EP_CHOICES } from '../engine/classify/providers.js';
import { defaultThreads } from '../engine/classify/classifier.js';
import type { SkiptagConfig } from '../engine/config.js';
import { DEFAULT_MAX_PIXELS } from '../engine/imaging/preprocess-spec.js';
import { locateModel, ModelNotFoundError } from '../engine/models/locate-model.js';
import { loadTaggingRules, type TaggingRules } from '../engine/tagging/tag-rules.js';
import { FatalError } from './cli-io.js';
import { parseChoice, parseFraction, parseInteger } from './parse-options.js';

/** parseArgs option definitions for the engine settings. */
export const ENGINE_OPTIONS = {
  model: { type: 'string' },
  labels: { type: 'string' },
  'top-k': { type: 'string' },
  threshold: { type: 'string' },
  ep: { type: 'string' },
  batch: { type: 'string' },
  threads: { type: 'string' },
  'max-pixels': { type: 'string' },
  'include-hidden': { type: 'boolean' },
  rules: { type: 'string' },
  library: { type: 'string' },
  'no-library': { type: 'boolean' },
} as const;

/** Help for the engine options; the library's default is this machine's data folder. */
export function engineHelp(config: SkiptagConfig): string {
  return `  --model FILE|NAME   ONNX file, or an installed/imported model's name (default:
                      $SKIPTAG_MODEL, else installed models, then models/)
  --labels FILE       class names, one per line or "wnid<TAB>name" (default: ImageNet-1k
                      when the model has 1000 classes, or MODEL.labels.txt beside the model)
  --top-k N           labels per photo (default 5)
  --threshold P       drop labels scoring below P, 0..1 (default 0)
  --ep NAME           execution provider: ${EP_CHOICES.join('|')} (default auto: GPU if one
                      loads, else CPU)
  --batch N           images per inference batch (default 8)
  --threads N         CPU threads for inference (default: all cores, here ${defaultThreads()})
  --max-pixels N      refuse images larger than N pixels (default ${DEFAULT_MAX_PIXELS})
  --include-hidden    also look inside hidden files and folders (names starting with ".")
  --rules FILE        tag rules (thresholds, aliases, hidden labels, rollups like "cat"),
                      see models/rules.example.yml (default: rules.yml in the data folder)
  --library FILE      library database (default: $SKIPTAG_LIBRARY, else
                      ${config.defaultLibraryFile})`;
}

export interface EngineSettings {
  modelPath: string;
  labelsPath: string | null;
  topK: number;
  threshold: number;
  ep: EpChoice;
  batch: number;
  threads: number;
  maxPixels: number;
  includeHidden: boolean;
  rulesPath: string | null;
  /** rules.yml in the data folder, used when there is no --rules and it exists. */
  defaultRulesFile: string;
  /** Start-up caches (model hashes, GPU probe answers): the configuration's cacheDir. */
  cacheDir: string;
}

type EngineValues = {
  [K in keyof typeof ENGINE_OPTIONS]?: (typeof ENGINE_OPTIONS)[K]['type'] extends 'string' ? string : boolean;
};

/** The engine settings of a run; `config` has --model and --library already resolved with their variables. */
export async function parseEngineSettings(
  values: EngineValues,
  config: SkiptagConfig,
): Promise<EngineSettings> {
  const settings = {
    labelsPath: values.labels ?? null,
    topK: parseInteger('top-k', values['top-k'], 5, 1, 100_000),
    threshold: parseFraction('threshold', values.threshold, 0),
    ep: parseChoice('ep', values.ep, EP_CHOICES, 'auto'),
    batch: parseInteger('batch', values.batch, 8, 1, 1024),
    threads: parseInteger('threads', values.threads, defaultThreads(), 1, 1024),
    maxPixels: parseInteger(
      'max-pixels',
      values['max-pixels'],
      DEFAULT_MAX_PIXELS,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    includeHidden: values['include-hidden'] ?? false,
    rulesPath: values.rules ?? null,
    defaultRulesFile: config.rulesFile,
    cacheDir: config.cacheDir,
  };
  try {
    return { ...settings, modelPath: await locateModel(config.model, config.models.dir) };
  } catch (error) {
    if (error instanceof ModelNotFoundError) throw new FatalError(error.message);
    throw error;
  }
}

/** The library file (--library, else $SKIPTAG_LIBRARY, else the default), or null with --no-library. */
export function libraryPathFrom(values: EngineValues, config: SkiptagConfig): string | null {
  return values['no-library'] ? null : config.libraryFile;
}

/** The tag rules for a run; a broken rules file stops the run with its line and field. */
export async function loadRunRules(settings: EngineSettings): Promise<TaggingRules> {
  try {
    return await loadTaggingRules(settings.rulesPath, settings.defaultRulesFile);
  } catch (error) {
    throw new FatalError(`tag rules: ${(error as Error).message}`, { cause: error });
  }
}
