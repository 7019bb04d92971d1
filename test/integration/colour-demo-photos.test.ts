// The offline demo model on the shipped sample photos (test): it names the colours a person would name, through the real pipeline.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileResult } from '../../src-main/shared/results.js';
import { Classifier } from '../../src-main/engine/classify/classifier.js';
import { loadLabelFile } from '../../src-main/engine/classify/labels.js';
import { imagenetPreprocess } from '../../src-main/engine/imaging/preprocess-spec.js';
import { tagPhotos } from '../../src-main/engine/pipeline/classify-items.js';
import { writeColourModel } from '../support/colour-photos.js';
import { PHOTOS_DIR } from '../support/run-cli.js';

/** The window hides suggestions below this (the tag rules' default threshold): what a newcomer sees. */
const SHOWN = 0.1;

/**
 * What a person looking at each photo names, written down before the model was designed (the model sees the
 * centre crop every classifier gets, like the grid's square thumbnails):
 * - `top`: the colours that may lead — the one a person names first, or an equally large area;
 * - `shown`: colours that must be among the tags the window shows (≥ 10%);
 * - `plausible`: every colour a person could name for it; anything else shown is a wrong answer.
 */
const EXPECTED: Record<string, { top: string[]; shown: string[]; plausible: string[] }> = {
  // A dog on a porch: yellow wall, light grey floor, grey road, green trees, a thin red bike frame.
  'dog.jpg': {
    top: ['yellow', 'grey', 'white'],
    shown: ['yellow'],
    plausible: ['yellow', 'grey', 'white', 'green', 'brown', 'black', 'red'],
  },
  // A brown-and-white eagle on dark sand before grey-green water, yellow feet.
  'eagle.jpg': {
    top: ['brown', 'grey', 'green'],
    shown: ['brown'],
    plausible: ['brown', 'grey', 'green', 'black', 'white', 'yellow'],
  },
  // A tan-and-brown giraffe and a black-and-white zebra in green foliage and grass.
  'giraffe.jpg': {
    top: ['green'],
    shown: ['green', 'brown'],
    plausible: ['green', 'brown', 'black', 'white', 'orange'],
  },
  // Horses on dry tan grass under a grey-blue sky.
  'horses.jpg': {
    top: ['brown'],
    shown: ['brown'],
    plausible: ['brown', 'grey', 'blue', 'white', 'black', 'yellow'],
  },
  // Kites over a beach: white-grey sky above brown, muddy water and sand.
  'kite.jpg': {
    top: ['white', 'grey', 'brown'],
    shown: ['brown'],
    plausible: ['white', 'grey', 'brown', 'green', 'blue'],
  },
  // A person in a blue jacket, a dog and a white horse on tan grass, pale blue sky.
  'person.jpg': {
    top: ['brown'],
    shown: ['brown', 'blue'],
    plausible: ['brown', 'blue', 'white', 'grey', 'black', 'yellow'],
  },
  // Munch's The Scream: orange sky, dark blue fjord, brown-orange bridge, dark figure.
  'scream.jpg': {
    top: ['orange'],
    shown: ['orange'],
    plausible: ['orange', 'red', 'brown', 'black', 'blue', 'yellow', 'grey'],
  },
};

let work: string;
const results = new Map<string, FileResult>();

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-demo-photos-'));
  const model = await writeColourModel(path.join(work, 'model'));
  const classifier = await Classifier.open(model, { ep: 'cpu' });
  try {
    const labels = await loadLabelFile(model.replace(/\.onnx$/, '.labels.txt'));
    await tagPhotos({
      inputs: [PHOTOS_DIR],
      classifier,
      labels,
      preprocess: imagenetPreprocess(),
      modelName: 'colours.onnx',
      // The app's defaults: the five best, nothing cut by score (the window hides what is below SHOWN).
      topK: 5,
      threshold: 0,
      batchSize: 4,
      onResult: async (result) => void results.set(path.basename(result.path), result),
    });
  } finally {
    await classifier.close();
  }
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the colour demo model on the sample photos', () => {
  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`names the colours a person names in ${file}`, () => {
      const result = results.get(file);
      expect(result?.status, file).toBe('ok');
      const predictions = result?.predictions ?? [];
      const summary = predictions.map((p) => `${p.label} ${Math.round(p.score * 100)}%`).join(', ');
      const shown = predictions.filter((p) => p.score >= SHOWN).map((p) => p.label);
      expect(expected.top, `top of ${summary}`).toContain(predictions[0]?.label);
      for (const colour of expected.shown) expect(shown, summary).toContain(colour);
      for (const colour of shown) expect(expected.plausible, summary).toContain(colour);
      // Never one colour for the whole photo ("grey 100%"): a photo has more than one.
      expect(shown.length, summary).toBeGreaterThanOrEqual(2);
      expect(predictions[0]?.score ?? 1, summary).toBeLessThan(0.8);
    });
  }
});
