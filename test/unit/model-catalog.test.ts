// Model catalogue tests (test): models/catalog.json is what the generator makes from the zoo data, and well-formed.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IMAGENET_MEAN, IMAGENET_STD } from '../../src-main/engine/imaging/preprocess-spec.js';
import {
  CATALOG_FILE,
  findCatalogEntry,
  loadCatalog,
  parseCatalog,
  type Catalog,
  type CatalogEntry,
} from '../../src-main/engine/models/catalog.js';
import { RECOMMENDED_MODEL_ID } from '../../src-main/engine/models/locate-model.js';
import { REPO_ROOT } from '../support/run-cli.js';

const ZOO_DATA = path.resolve(REPO_ROOT, '..', 'shared', 'data', 'onnx-zoo-resnet.json');
const SCRIPT = path.join(REPO_ROOT, 'scripts', 'generate-model-catalog.mjs');
const committed = path.join(REPO_ROOT, CATALOG_FILE);

describe('models/catalog.json', () => {
  it.skipIf(!existsSync(ZOO_DATA))(
    `is exactly what scripts/generate-model-catalog.mjs makes from ${ZOO_DATA} (skipped: that file is absent here)`,
    async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-catalog-'));
      try {
        const out = path.join(dir, 'catalog.json');
        execFileSync(process.execPath, [SCRIPT, ZOO_DATA, out], { stdio: 'pipe' });
        expect(await readFile(out, 'utf8')).toBe(await readFile(committed, 'utf8'));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('lists the zoo ResNets, each well-formed, with the documented recommendation', async () => {
    const catalog = await loadCatalog();
    const ids = catalog.models.map((m) => m.id);
    for (const depth of [18, 34, 50, 101, 152]) {
      expect(ids).toContain(`resnet${depth}-v1-7`);
      expect(ids).toContain(`resnet${depth}-v2-7`);
    }
    expect(ids).toContain('resnet50-v1-12-int8');
    expect(new Set(catalog.models.map((m) => m.sha256)).size).toBe(ids.length);
    for (const m of catalog.models) {
      expect(m.file).toBe(`${m.id}.onnx`);
      expect(m.url).toBe(
        `https://github.com/onnx/models/raw/main/validated/vision/classification/resnet/model/${m.file}`,
      );
      expect(m.bytes).toBeGreaterThan(20e6);
      expect(m.input.shape).toEqual(['N', 3, 224, 224]);
      expect(m.output.shape).toEqual(['N', 1000]);
      expect(m.preprocessing).toEqual({
        resizeShorter: 256,
        crop: 224,
        mean: IMAGENET_MEAN,
        std: IMAGENET_STD,
      });
      expect(m.precision).toBe(/-(int8|qdq)$/.test(m.id) ? 'int8' : 'fp32');
      expect(m.imagenetTop1).toBeGreaterThan(69);
    }
    // locateModel prefers the same model when several are installed.
    expect(catalog.recommended).toBe(RECOMMENDED_MODEL_ID);
    expect(catalog.recommendedReason).toMatch(/^resnet50-v2-7: best ImageNet top-1 \(75\.81 %\)/);
    expect(catalog.recommendedReason).toContain('resnet50-v1-12-int8 is 4.0x smaller');
  });

  it('finds entries by id', async () => {
    expect((await findCatalogEntry('resnet50-v2-7'))?.bytes).toBe(102442452);
    expect(await findCatalogEntry('resnet9000')).toBeUndefined();
    const only = { ...(await loadCatalog()), models: [] } as Catalog;
    expect(await findCatalogEntry('resnet50-v2-7', only)).toBeUndefined();
  });
});

describe('parseCatalog', () => {
  const valid = async () => JSON.parse(await readFile(committed, 'utf8')) as Catalog;

  it('accepts the committed file', async () => {
    expect(parseCatalog(await valid()).models.length).toBeGreaterThanOrEqual(11);
  });

  type Mutation = (first: CatalogEntry, catalog: Catalog) => void;
  it.each<[string, Mutation, string]>([
    ['a short sha256', (m) => void (m.sha256 = 'abc'), 'sha256'],
    ['an id with a slash', (m) => void (m.id = '../evil'), 'id'],
    ['a file not named after the id', (m) => void (m.file = 'other.onnx'), 'file must be <id>.onnx'],
    ['a non-http URL', (m) => void (m.url = 'file:///etc/passwd'), 'url'],
    ['a zero size', (m) => void (m.bytes = 0), 'bytes'],
    ['a duplicate id', (m, c) => void c.models.push({ ...m }), 'duplicate id'],
    ['an unknown recommendation', (_m, c) => void (c.recommended = 'nope'), 'recommended is not in models'],
  ])('rejects %s', async (_name, mutate, message) => {
    const catalog = await valid();
    const first = catalog.models[0];
    if (!first) throw new Error('the committed catalogue is empty');
    mutate(first, catalog);
    expect(() => parseCatalog(catalog, 'test.json')).toThrow(/invalid model catalogue test\.json/);
    expect(() => parseCatalog(catalog, 'test.json')).toThrow(message);
  });
});
