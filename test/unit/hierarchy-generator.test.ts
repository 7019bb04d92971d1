// Unit tests (script + engine data) for scripts/generate-imagenet-hierarchy.mjs and its committed output.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { FALLBACK_ANCHORS, ROLLUP_ANCHORS } from '../../src-main/engine/tagging/hierarchy.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const generated = join(root, 'models', 'imagenet-1k-hierarchy.json');
const labelsFile = join(root, 'models', 'imagenet-1k-labels.tsv');
const script = join(root, 'scripts', 'generate-imagenet-hierarchy.mjs');
const dataNoun = '/usr/share/wordnet/data.noun';
const hasWordnet = existsSync(dataNoun);
const ENTITY = 'n00001740';

interface HierarchyJson {
  format: string;
  synsets: Record<string, string>;
  classes: Record<string, string>;
  chains: Record<string, string[]>;
}

let file: HierarchyJson;

beforeAll(async () => {
  file = JSON.parse(await readFile(generated, 'utf8')) as HierarchyJson;
});

/** First lemma of the data.noun synset at the wnid's byte offset, read the way the generator does not. */
async function lemmaInDataNoun(wnid: string): Promise<string> {
  const handle = await open(dataNoun, 'r');
  try {
    const buffer = Buffer.alloc(512);
    await handle.read(buffer, 0, buffer.length, Number(wnid.slice(1)));
    const [offset, , pos, , lemma = ''] = buffer.toString('utf8').split(' ');
    expect(offset).toBe(wnid.slice(1));
    expect(pos).toBe('n');
    return lemma.replaceAll('_', ' ');
  } finally {
    await handle.close();
  }
}

describe('models/imagenet-1k-hierarchy.json', () => {
  it('is small', async () => {
    expect((await readFile(generated)).length).toBeLessThan(500_000);
  });

  it('has the 1000 label-file classes, in order, each with a chain from entity to itself', async () => {
    const lines = (await readFile(labelsFile, 'utf8')).trimEnd().split('\n');
    const labels = lines.map((line) => line.split('\t'));
    expect(file.format).toBe('skiptag-imagenet-hierarchy/1');
    expect(Object.entries(file.classes)).toEqual(labels);
    expect(Object.keys(file.chains)).toEqual(labels.map(([wnid]) => wnid));
    for (const [wnid, chain] of Object.entries(file.chains)) {
      expect(chain[0]).toBe(ENTITY);
      expect(chain.at(-1)).toBe(wnid);
      expect(new Set(chain).size).toBe(chain.length);
      for (const id of chain) expect(file.synsets[id], `${id} on the chain of ${wnid}`).toBeTypeOf('string');
    }
  });

  it('lists only synsets that are on some chain', () => {
    const used = new Set(Object.values(file.chains).flat());
    expect(Object.keys(file.synsets).sort()).toEqual([...used].sort());
  });

  it('puts tabby under domestic cat, cat, feline, carnivore, mammal and animal', () => {
    const chain = file.chains.n02123045 ?? [];
    const expected = ['n00015388', 'n01861778', 'n02075296', 'n02120997', 'n02121620', 'n02121808'];
    // In root-to-class order, so the subsequence check also checks the order.
    expect(chain.filter((id) => expected.includes(id))).toEqual(expected);
    expect(expected.map((id) => file.synsets[id])).toEqual([
      'animal',
      'mammal',
      'carnivore',
      'feline',
      'cat',
      'domestic cat',
    ]);
  });

  it('puts sports car under car, motor vehicle, wheeled vehicle and vehicle', () => {
    const chain = file.chains.n04285008 ?? [];
    const expected = ['n04524313', 'n04576211', 'n03791235', 'n02958343'];
    expect(chain.filter((id) => expected.includes(id))).toEqual(expected);
    expect(expected.map((id) => file.synsets[id])).toEqual([
      'vehicle',
      'wheeled vehicle',
      'motor vehicle',
      'car',
    ]);
  });

  it('takes the first listed hypernym (domestic cat: cat, not domestic animal)', () => {
    expect(file.chains.n02123045).not.toContain('n01317541');
  });

  it('names every anchor with the lemma the anchor table claims, and each is on some chain', () => {
    const used = new Set(Object.values(file.chains).flatMap((chain) => chain.slice(0, -1)));
    for (const anchor of [...ROLLUP_ANCHORS, ...FALLBACK_ANCHORS]) {
      expect(file.synsets[anchor.wnid], anchor.wnid).toBe(anchor.lemma);
      expect(used.has(anchor.wnid), `${anchor.wnid} ${anchor.lemma} is above some class`).toBe(true);
    }
  });
});

describe.skipIf(!hasWordnet)('against WordNet 3.0 (wordnet-base)', () => {
  it('has the spot-checked synsets at the offsets named by their wnids', async () => {
    const spots: Record<string, string> = {
      n00001740: 'entity',
      n00015388: 'animal',
      n01861778: 'mammal',
      n02075296: 'carnivore',
      n02120997: 'feline',
      n02121620: 'cat',
      n02121808: 'domestic cat',
      n02123045: 'tabby',
      n02958343: 'car',
      n03791235: 'motor vehicle',
      n04524313: 'vehicle',
      n04285008: 'sports car',
    };
    for (const [wnid, lemma] of Object.entries(spots)) expect(await lemmaInDataNoun(wnid)).toBe(lemma);
  });

  it('has every anchor at its wnid with the claimed lemma', async () => {
    for (const anchor of [...ROLLUP_ANCHORS, ...FALLBACK_ANCHORS]) {
      expect(await lemmaInDataNoun(anchor.wnid), anchor.wnid).toBe(anchor.lemma);
    }
  });

  it('regenerates the committed file byte for byte', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skiptag-hierarchy-'));
    try {
      const out = join(dir, 'hierarchy.json');
      await promisify(execFile)(process.execPath, [script, dataNoun, labelsFile, out]);
      expect((await readFile(out)).equals(await readFile(generated))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('generate-imagenet-hierarchy.mjs', () => {
  it('fails clearly when data.noun is missing', async () => {
    const run = promisify(execFile)(process.execPath, [
      script,
      '/nonexistent/data.noun',
      labelsFile,
      '/dev/null',
    ]);
    await expect(run).rejects.toMatchObject({ stderr: expect.stringContaining('wordnet-base') });
  });
});
