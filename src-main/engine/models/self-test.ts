// Model self-test (engine, service process and CLI): classifies reference photos in a worker and checks each top-k holds an expected class.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { FileResult, Prediction } from '../../shared/results.js';
import { defaultThreads } from '../classify/classifier.js';
import type { EpChoice } from '../classify/providers.js';
import { DEFAULT_MAX_PIXELS } from '../imaging/preprocess-spec.js';
import { findPackageRoot } from '../package-root.js';
import { WorkerSupervisor } from '../worker/worker-supervisor.js';

/** The shipped expectations for ImageNet-1k models, relative to the package root. */
export const SELF_TEST_FILE = path.join('models', 'selftest', 'expectations.json');

const specSchema = z.object({
  description: z.string().optional(),
  topK: z.number().int().min(1).max(100).default(5),
  /** Labels file for the model (relative to the spec); default: the model's own (ImageNet-1k for 1000 classes). */
  labels: z.string().min(1).optional(),
  photos: z
    .array(
      z.object({
        file: z.string().min(1),
        /** WordNet ids or label names; at least one must be in the photo's top-k. */
        anyOf: z.array(z.string().min(1)).min(1),
        why: z.string().optional(),
      }),
    )
    .min(1),
});

export interface SelfTestSpec {
  /** The folder the photo and labels names are relative to. */
  dir: string;
  topK: number;
  labelsFile: string | null;
  photos: { file: string; anyOf: string[] }[];
}

export interface SelfTestPhotoResult {
  file: string;
  passed: boolean;
  expected: string[];
  top: Prediction[];
  error: string | null;
}

export interface SelfTestReport {
  passed: boolean;
  provider: string;
  photos: SelfTestPhotoResult[];
  seconds: number;
}

/** Reads an expectations file (default: the shipped one); photo paths are relative to it. */
export async function loadSelfTestSpec(file?: string): Promise<SelfTestSpec> {
  const specFile = file ?? path.join(await findPackageRoot(import.meta.url), SELF_TEST_FILE);
  let parsed;
  try {
    parsed = specSchema.parse(JSON.parse(await readFile(specFile, 'utf8')));
  } catch (error) {
    const detail = error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message;
    throw new Error(`invalid self-test expectations ${specFile}: ${detail}`, { cause: error });
  }
  const dir = path.dirname(path.resolve(specFile));
  return {
    dir,
    topK: parsed.topK,
    labelsFile: parsed.labels ? path.resolve(dir, parsed.labels) : null,
    photos: parsed.photos.map((p) => ({ file: p.file, anyOf: p.anyOf })),
  };
}

/**
 * Classifies the spec's photos with `modelPath` in a worker process, through the same pipeline and
 * preprocessing as tagging, and reports, per photo, whether one of the expected classes made its top-k.
 * Only meaningful with real weights: it catches a corrupt or wrong model, swapped labels or broken
 * preprocessing, not small accuracy changes.
 */
export async function runSelfTest(
  modelPath: string,
  spec: SelfTestSpec,
  options: { ep?: EpChoice; threads?: number } = {},
): Promise<SelfTestReport> {
  const started = performance.now();
  const engine = await WorkerSupervisor.start({
    model: {
      modelPath,
      labelsPath: spec.labelsFile,
      // CPU by default: the reference provider, and it never depends on a GPU driver being in a good mood.
      ep: options.ep ?? 'cpu',
      threads: options.threads ?? defaultThreads(),
      batchSize: spec.photos.length,
      topK: spec.topK,
      threshold: 0,
      maxPixels: DEFAULT_MAX_PIXELS,
    },
  });
  try {
    const results = new Map<number, FileResult>();
    const items = spec.photos.map((p, id) => {
      const file = Buffer.from(path.resolve(spec.dir, p.file));
      return { id, path: file, display: p.file };
    });
    await engine.classify(items, (id, result) => void results.set(id, result));
    const photos = spec.photos.map((photo, id): SelfTestPhotoResult => {
      const result = results.get(id);
      if (!result)
        return { file: photo.file, passed: false, expected: photo.anyOf, top: [], error: 'not classified' };
      const hit = result.predictions.some(
        (p) => photo.anyOf.includes(p.wnid) || photo.anyOf.includes(p.label),
      );
      return {
        file: photo.file,
        passed: result.status === 'ok' && hit,
        expected: photo.anyOf,
        top: result.predictions,
        error: result.status === 'ok' ? null : (result.errorMessage ?? result.errorCode ?? 'failed'),
      };
    });
    return {
      passed: photos.every((p) => p.passed),
      provider: engine.provider,
      photos,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await engine.close();
  }
}

/** One line per failed photo, e.g. `dog.jpg: top-5 was tabby, …; expected one of n02085620, …`. */
export function describeSelfTestFailures(report: SelfTestReport, maxExpected = 6): string {
  return report.photos
    .filter((p) => !p.passed)
    .map((p) => {
      if (p.error) return `${p.file}: ${p.error}`;
      const top = p.top.map((t) => `${t.label}${t.wnid ? ` (${t.wnid})` : ''}`).join(', ');
      const more = p.expected.length > maxExpected ? `, … (${p.expected.length} in all)` : '';
      return `${p.file}: top-${p.top.length} was ${top}; expected one of ${p.expected.slice(0, maxExpected).join(', ')}${more}`;
    })
    .join('\n');
}
