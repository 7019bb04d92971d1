// Unit tests (engine process code) for label files: the generated ImageNet list and the loader formats.

import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { imagenetLabels, loadLabelFile, parseLabels } from '../../src-main/engine/classify/labels.js';
import { findPackageRoot } from '../../src-main/engine/package-root.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const generated = join(root, 'models', 'imagenet-1k-labels.tsv');
const script = join(root, 'scripts', 'generate-imagenet-labels.mjs');

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptag-labels-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('models/imagenet-1k-labels.tsv', () => {
  it('has 1000 wnid-sorted lines with the zoo order', async () => {
    const text = await readFile(generated, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(1000);
    const wnids = lines.map((line) => line.split('\t')[0] ?? '');
    expect([...wnids].sort()).toEqual(wnids);
    expect(new Set(wnids).size).toBe(1000);
    for (const line of lines) expect(line).toMatch(/^n\d{8}\t[^\t]+$/);
    expect(lines[0]).toBe('n01440764\ttench');
    expect(lines[999]).toBe('n15075141\ttoilet tissue');
    expect(lines[281]).toBe('n02123045\ttabby');
    expect(lines[817]).toBe('n04285008\tsports car');
  });

  it('loads through imagenetLabels(), cached and frozen', async () => {
    const labels = await imagenetLabels();
    expect(labels).toHaveLength(1000);
    expect(labels[0]).toEqual({ wnid: 'n01440764', name: 'tench' });
    expect(labels.find((l) => l.wnid === 'n02123045')?.name).toBe('tabby');
    expect(labels.find((l) => l.wnid === 'n04285008')?.name).toBe('sports car');
    expect(await imagenetLabels()).toBe(labels);
    expect(Object.isFrozen(labels)).toBe(true);
  });
});

describe('findPackageRoot', () => {
  it('finds the skiptag package from a nested module', async () => {
    expect(await findPackageRoot(new URL('../../src-main/engine/classify/labels.ts', import.meta.url))).toBe(
      root.replace(/[\\/]$/, ''),
    );
    await expect(findPackageRoot(join(dir, 'x.js'), 'no-such-package-name')).rejects.toThrow(
      /no-such-package-name/,
    );
  });
});

describe('parseLabels / loadLabelFile', () => {
  it('parses TSV, "wnid name", plain lines and CRLF, skipping trailing blank lines', () => {
    expect(parseLabels('n01440764\ttench\r\nn01443537\tgoldfish\r\n')).toEqual([
      { wnid: 'n01440764', name: 'tench' },
      { wnid: 'n01443537', name: 'goldfish' },
    ]);
    expect(parseLabels('n01440764 tench, Tinca tinca\nn01443537 goldfish\n\n')).toEqual([
      { wnid: 'n01440764', name: 'tench, Tinca tinca' },
      { wnid: 'n01443537', name: 'goldfish' },
    ]);
    expect(parseLabels('\uFEFFcat\ndog')).toEqual([
      { wnid: '', name: 'cat' },
      { wnid: '', name: 'dog' },
    ]);
    expect(parseLabels('\tcat\n')).toEqual([{ wnid: '', name: 'cat' }]);
  });

  it('parses JSON arrays of strings and objects', () => {
    expect(parseLabels('["cat", "dog"]')).toEqual([
      { wnid: '', name: 'cat' },
      { wnid: '', name: 'dog' },
    ]);
    expect(parseLabels(' [{"wnid": "n02123045", "name": "tabby"}, {"name": "dog"}]\n')).toEqual([
      { wnid: 'n02123045', name: 'tabby' },
      { wnid: '', name: 'dog' },
    ]);
  });

  it('gives clear errors', async () => {
    expect(() => parseLabels('', 'x.txt')).toThrow('Label file x.txt is empty');
    expect(() => parseLabels(' \n\n', 'x.txt')).toThrow(/empty/);
    expect(() => parseLabels('[]', 'x.json')).toThrow(/empty/);
    expect(() => parseLabels('cat\n\ndog', 'x.txt')).toThrow('Label file x.txt line 2 is empty');
    expect(() => parseLabels('7\tcat', 'x.tsv')).toThrow(/line 1: "7" is not a WordNet id/);
    expect(() => parseLabels('[1]', 'x.json')).toThrow(/element 0/);
    expect(() => parseLabels('[', 'x.json')).toThrow(/not valid JSON/);
    await expect(loadLabelFile(join(dir, 'missing.txt'))).rejects.toThrow(
      /Cannot read label file .*missing\.txt/,
    );
  });

  it('loads from disk', async () => {
    const path = join(dir, 'labels.txt');
    await writeFile(path, 'cat\ndog\n');
    await expect(loadLabelFile(path)).resolves.toEqual([
      { wnid: '', name: 'cat' },
      { wnid: '', name: 'dog' },
    ]);
  });
});

describe('scripts/generate-imagenet-labels.mjs', () => {
  it('takes the first 1000 classes, sorts them by wnid and rejects bad input', async () => {
    const ids = Array.from({ length: 1002 }, (_, i) => `n${String(99_999_999 - i * 7).padStart(8, '0')}`);
    const names = ids.map((_, i) => `name ${i}`);
    const labelsPath = join(dir, 'labels.list');
    const namesPath = join(dir, 'names.list');
    const out = join(dir, 'out.tsv');
    await writeFile(labelsPath, `${ids.join('\n')}\n`);
    await writeFile(namesPath, `${names.join('\n')}\n`);
    await promisify(execFile)(process.execPath, [script, labelsPath, namesPath, out]);
    const lines = (await readFile(out, 'utf8')).split('\n');
    expect(lines).toHaveLength(1001);
    expect(lines[0]).toBe(`${ids[999]}\tname 999`);
    expect(lines[999]).toBe(`${ids[0]}\tname 0`);

    await writeFile(namesPath, names.slice(1).join('\n'));
    await expect(promisify(execFile)(process.execPath, [script, labelsPath, namesPath, out])).rejects.toThrow(
      /must match/,
    );
  });

  const darknetLists = [
    '/usr/share/darknet/data/imagenet.labels.list',
    '/usr/share/darknet/data/imagenet.shortnames.list',
  ];
  // CI installs Debian's darknet package, so there this proves the committed file is what the script generates.
  it.skipIf(!darknetLists.every((f) => existsSync(f)))(
    'regenerates the committed label file byte for byte from darknet',
    async () => {
      const out = join(dir, 'regenerated.tsv');
      await promisify(execFile)(process.execPath, [script, ...darknetLists, out]);
      expect(await readFile(out, 'utf8')).toBe(await readFile(generated, 'utf8'));
    },
  );
});
