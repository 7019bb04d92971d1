// Model self-test tests (test): the colour model with known answers passes and fails on purpose; the shipped spec is sound.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagenetLabels } from '../../src-main/engine/classify/labels.js';
import { catalogEntrySchema, type CatalogEntry } from '../../src-main/engine/models/catalog.js';
import { installModel, SelfTestFailedError } from '../../src-main/engine/models/install.js';
import { listInstalled, partialPath } from '../../src-main/engine/models/model-store.js';
import {
  describeSelfTestFailures,
  loadSelfTestSpec,
  runSelfTest,
  type SelfTestSpec,
} from '../../src-main/engine/models/self-test.js';
import { buildColourModel } from '../../src-main/engine/synth/colour-model.js';
import { buildResNet } from '../../src-main/engine/synth/resnet.js';
import { writeColourModel, writeColourPhotos } from '../support/colour-photos.js';
import { startModelServer, type ModelServer } from '../support/model-server.js';

let work: string;
let modelPath: string;
let expected: Map<string, string>;
let passSpec: string;
let failSpec: string;
let server: ModelServer;

/** Writes an expectations file beside the colour photos; `answer` picks the label each photo must show. */
async function writeSpec(name: string, topK: number, answer: (label: string) => string): Promise<string> {
  const file = path.join(work, 'photos', name);
  const photos = [...expected].map(([photo, label]) => ({ file: photo, anyOf: [answer(label)] }));
  await writeFile(file, JSON.stringify({ topK, labels: '../model/colours.labels.txt', photos }));
  return file;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-selftest-'));
  modelPath = await writeColourModel(path.join(work, 'model'));
  expected = await writeColourPhotos(path.join(work, 'photos'));
  passSpec = await writeSpec('pass.json', 1, (label) => label);
  // Every photo must come out as the next colour of the list at top-1: can't hold.
  const labels = [...new Set(expected.values())];
  failSpec = await writeSpec(
    'fail.json',
    1,
    (label) => labels[(labels.indexOf(label) + 1) % labels.length] ?? '',
  );
  server = await startModelServer();
});

afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});

describe('runSelfTest', () => {
  it('passes when every photo shows an expected class, reporting each top-k', async () => {
    const report = await runSelfTest(modelPath, await loadSelfTestSpec(passSpec));
    expect(report.passed).toBe(true);
    expect(report.provider).toBe('cpu');
    expect(report.photos).toHaveLength(expected.size);
    for (const photo of report.photos) {
      expect(photo).toMatchObject({ passed: true, error: null });
      expect(photo.top[0]?.label).toBe(expected.get(photo.file));
    }
  });

  it('fails when a photo misses its expectations, and says which and why', async () => {
    const report = await runSelfTest(modelPath, await loadSelfTestSpec(failSpec));
    expect(report.passed).toBe(false);
    expect(report.photos.every((p) => !p.passed)).toBe(true);
    const text = describeSelfTestFailures(report);
    expect(text).toContain('red-photo.jpg: top-1 was red; expected one of');
    expect(text.split('\n')).toHaveLength(expected.size);
  });

  it('fails a photo that cannot be decoded', async () => {
    const spec: SelfTestSpec = { ...(await loadSelfTestSpec(passSpec)), topK: 3 };
    spec.photos = [...spec.photos, { file: 'missing.jpg', anyOf: ['red'] }];
    const report = await runSelfTest(modelPath, spec);
    expect(report.passed).toBe(false);
    expect(report.photos.at(-1)).toMatchObject({ file: 'missing.jpg', passed: false });
    expect(report.photos.at(-1)?.error).toBeTruthy();
  });

  it('rejects an invalid expectations file with its name', async () => {
    const bad = path.join(work, 'bad.json');
    await writeFile(bad, JSON.stringify({ photos: [] }));
    await expect(loadSelfTestSpec(bad)).rejects.toThrow(/invalid self-test expectations .*bad\.json/);
  });
});

describe('installModel with the self-test', () => {
  const colours = buildColourModel().bytes;
  const entry = (): CatalogEntry =>
    catalogEntrySchema.parse({
      id: 'colours-test',
      name: 'colour demo',
      file: 'colours-test.onnx',
      url: `${server.url}/zoo/colours-test.onnx`,
      sha256: createHash('sha256').update(colours).digest('hex'),
      bytes: colours.length,
      opset: 17,
      precision: 'fp32',
      input: { name: 'data', shape: ['N', 3, 224, 224] },
      output: { name: 'logits', shape: ['N', 11] },
      imagenetTop1: 0,
      imagenetTop5: null,
      preprocessing: {
        resizeShorter: 256,
        crop: 224,
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
      },
      labels: 'imagenet-1k',
    });

  it('installs a model that passes', async () => {
    server.serve('/zoo/colours-test.onnx', colours);
    const dir = path.join(work, 'store-pass');
    const stages: string[] = [];
    const result = await installModel(entry(), {
      dir,
      selfTest: await loadSelfTestSpec(passSpec),
      onStage: (s) => stages.push(s),
    });
    expect(stages).toEqual(['download', 'self-test', 'install']);
    expect(result.selfTest?.passed).toBe(true);
    expect((await listInstalled(dir)).map((m) => m.id)).toEqual(['colours-test']);
  });

  it('does not install a model that fails, and deletes the download', async () => {
    server.serve('/zoo/colours-test.onnx', colours);
    const dir = path.join(work, 'store-fail');
    const error = await installModel(entry(), { dir, selfTest: await loadSelfTestSpec(failSpec) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SelfTestFailedError);
    expect((error as Error).message).toMatch(/^self-test failed:\n.*red-photo\.jpg: top-1 was red/);
    expect((error as SelfTestFailedError).report?.passed).toBe(false);
    expect(await listInstalled(dir)).toEqual([]);
    expect(existsSync(path.join(dir, 'colours-test.onnx'))).toBe(false);
    expect(existsSync(partialPath('colours-test', dir))).toBe(false);
  });
});

describe('the shipped self-test', () => {
  it('names real photos and real ImageNet-1k classes', async () => {
    const spec = await loadSelfTestSpec();
    expect(spec.topK).toBe(5);
    expect(spec.labelsFile).toBeNull();
    expect(spec.photos.map((p) => p.file)).toEqual(['dog.jpg', 'eagle.jpg', 'horses.jpg', 'giraffe.jpg']);
    const wnids = new Set((await imagenetLabels()).map((l) => l.wnid));
    for (const photo of spec.photos) {
      expect(existsSync(path.join(spec.dir, photo.file)), photo.file).toBe(true);
      for (const wnid of photo.anyOf) expect(wnids.has(wnid), `${photo.file}: ${wnid}`).toBe(true);
    }
    expect(existsSync(path.join(spec.dir, 'ATTRIBUTION.md'))).toBe(true);
  });

  it('fails a ResNet-18 with random weights (the architecture is right, the answers are noise)', async () => {
    const file = path.join(work, 'resnet18-random.onnx');
    await writeFile(file, buildResNet('resnet18', { seed: 1 }));
    const report = await runSelfTest(file, await loadSelfTestSpec(), { threads: 2 });
    expect(report.photos.every((p) => p.top.length === 5 && p.error === null)).toBe(true);
    expect(report.passed).toBe(false);
  });
});
