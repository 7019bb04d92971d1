// Installed-model store tests (test): listing (partials and sidecars hidden) and removal.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src-main/engine/models/catalog.js';
import {
  installedPath,
  listInstalled,
  listModels,
  partialPath,
  removeInstalled,
} from '../../src-main/engine/models/model-store.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-store-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the store', () => {
  it('lists installed models only: no partial downloads, temp or hidden files, sidecars or folders', async () => {
    expect(await listInstalled(path.join(dir, 'missing'))).toEqual([]);
    await writeFile(installedPath('resnet18-v1-7', dir), 'model');
    await writeFile(path.join(dir, 'birds.onnx'), 'imported');
    await writeFile(path.join(dir, 'birds.json'), '{}');
    await writeFile(path.join(dir, '.hidden.onnx'), 'x');
    await mkdir(path.join(dir, 'folder.onnx'));
    await mkdir(path.dirname(partialPath('resnet50-v2-7', dir)), { recursive: true });
    await writeFile(partialPath('resnet50-v2-7', dir), 'half');
    const listed = await listInstalled(dir);
    expect(listed.map((m) => [m.id, m.bytes])).toEqual([
      ['birds', 8],
      ['resnet18-v1-7', 5],
    ]);
    expect(listed[1]?.path).toBe(path.join(dir, 'resnet18-v1-7.onnx'));

    const rows = await listModels(await loadCatalog(), dir);
    const row = (id: string) => rows.find((r) => r.id === id);
    expect(row('resnet18-v1-7')?.installed?.bytes).toBe(5);
    expect(row('resnet50-v2-7')).toMatchObject({ installed: null, partialBytes: 4, recommended: true });
    expect(row('birds')).toMatchObject({ entry: null, recommended: false });
    expect(rows.at(-1)?.id).toBe('birds');
  });

  it('removes a model with its partial download and sidecar files', async () => {
    await writeFile(installedPath('birds', dir), 'imported');
    await writeFile(path.join(dir, 'birds.json'), '{}');
    await writeFile(path.join(dir, 'birds.labels.txt'), 'robin\n');
    await mkdir(path.dirname(partialPath('birds', dir)), { recursive: true });
    await writeFile(partialPath('birds', dir), 'x');
    expect(await removeInstalled('birds', dir)).toEqual({ removed: true, removedPartial: true });
    expect(await listInstalled(dir)).toEqual([]);
    for (const f of ['birds.json', 'birds.labels.txt']) expect(existsSync(path.join(dir, f))).toBe(false);
    expect(await removeInstalled('birds', dir)).toEqual({ removed: false, removedPartial: false });
  });

  it('refuses ids that could leave the folder', () => {
    for (const id of ['../x', 'a/b', 'a\\b', '.hidden', '']) {
      expect(() => installedPath(id, dir), id).toThrow(/invalid model id/);
    }
  });
});
