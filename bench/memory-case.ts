// One memory benchmark case in its own process (bench): pixel checks of a many-page TIFF, parallel decodes under the budget, a bomb refused; prints JSON.
// Its own process, so that the peak RSS (getrusage maxrss) is this case's alone.

import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { Classifier } from '../src-main/engine/classify/classifier.js';
import { loadAndPreprocess } from '../src-main/engine/imaging/photo-input.js';
import { imagenetPreprocess } from '../src-main/engine/imaging/preprocess-spec.js';
import { pixelHash } from '../src-main/engine/imaging/thumbnails.js';
import { tagPhotos } from '../src-main/engine/pipeline/classify-items.js';
import { COLOUR_LABELS } from '../src-main/engine/synth/colour-model.js';

export interface MemoryCaseResult {
  case: string;
  seconds: number;
  peakRssMb: number;
  /** Decode threads (UV_THREADPOOL_SIZE) the case ran with. */
  threads: number;
  note: string;
}

const { values } = parseArgs({
  options: {
    case: { type: 'string' },
    file: { type: 'string' },
    folder: { type: 'string' },
    model: { type: 'string' },
    budget: { type: 'string' },
  },
});

const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

async function run(): Promise<string> {
  switch (values.case) {
    case 'pixel-check': {
      // What `write-tags --xmp embed` does for one photo: hash the rewritten copy, then the original.
      const file = values.file ?? '';
      const [a, b] = [await pixelHash(file), await pixelHash(file)];
      if (a !== b) throw new Error('the same file hashed differently');
      const { pages } = await sharp(file).metadata();
      return `${pages ?? 1} pages, page by page`;
    }
    case 'pixel-check-all-pages': {
      // For comparison: every page decoded at once, twice, with no pixel limit (the check the issue measured).
      for (let i = 0; i < 2; i++) {
        await sharp(values.file ?? '', { pages: -1, limitInputPixels: false })
          .raw()
          .toBuffer();
      }
      return 'all pages at once (before)';
    }
    case 'decode-parallel': {
      const classifier = await Classifier.open(values.model ?? '', { ep: 'cpu', threads: 1 });
      try {
        const budget = values.budget === 'none' ? Number.MAX_SAFE_INTEGER : undefined;
        const summary = await tagPhotos({
          inputs: [values.folder ?? ''],
          classifier,
          labels: COLOUR_LABELS.map((name) => ({ wnid: '', name })),
          preprocess: imagenetPreprocess(),
          modelName: path.basename(values.model ?? ''),
          topK: 1,
          threshold: 0,
          batchSize: 8,
          ...(budget === undefined ? {} : { decodeBudgetBytes: budget }),
          onResult: async (result) => {
            if (result.status !== 'ok') throw new Error(`${result.path}: ${result.errorMessage ?? ''}`);
          },
        });
        return `${summary.ok} photos, decode budget ${budget === undefined ? 'default (512 MiB)' : 'none'}`;
      } finally {
        await classifier.close();
      }
    }
    case 'bomb': {
      // A 900 MP PNG header: refused from its header, with no decode and no memory to speak of.
      const out = new Float32Array(3 * 224 * 224);
      const refused = await loadAndPreprocess(values.file ?? '', imagenetPreprocess(), out, 0).then(
        () => null,
        (error: unknown) => (error as Error).message,
      );
      if (refused === null) throw new Error('the bomb was decoded');
      return refused;
    }
    default:
      throw new Error(`unknown case ${values.case ?? '(none)'}`);
  }
}

const started = performance.now();
const note = await run();
const result: MemoryCaseResult = {
  case: values.case ?? '',
  seconds: (performance.now() - started) / 1000,
  peakRssMb: peakRssMb(),
  threads: Number(process.env.UV_THREADPOOL_SIZE) || 4,
  note,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
