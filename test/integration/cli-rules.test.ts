// Tag rules through the CLI (test): the tags column and the library's auto tags follow rules.yml (rollups, aliases, hiding).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHierarchy, rollupChain } from '../../src-main/engine/tagging/hierarchy.js';
import { buildResNet } from '../../src-main/engine/synth/resnet.js';
import { PHOTOS_DIR, runCli } from '../support/run-cli.js';

type Row = Record<string, string>;
let work: string;
let model: string;
let rules: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'skiptag-rules-'));
  model = path.join(work, 'resnet18.onnx');
  await writeFile(model, buildResNet('resnet18', { seed: 3 }));
  // Random weights spread probability thinly, so keep every label (threshold 0) and roll up two levels.
  rules = path.join(work, 'rules.yml');
  await writeFile(rules, 'defaults:\n  threshold: 0\n  rollup: 2\n');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('tag rules', () => {
  it('adds WordNet rollups to the tags column (no library)', async () => {
    const csv = path.join(work, 'direct.csv');
    const run = await runCli([
      'tag',
      PHOTOS_DIR,
      '--model',
      model,
      '--no-library',
      '--rules',
      rules,
      '--csv',
      csv,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const hierarchy = await loadHierarchy();
    const rows = parse(await readFile(csv, 'utf8'), { columns: true }) as Row[];
    expect(rows).toHaveLength(7);
    for (const row of rows) {
      const tags = (row.tags ?? '').split(';');
      for (const label of (row.labels ?? '').split(';')) expect(tags).toContain(label);
      // Each top-1 class brings its people-friendly ancestors (e.g. tabby → cat → animal).
      const chain = rollupChain(hierarchy, row.wnid ?? '');
      expect(chain.length).toBeGreaterThan(1);
      for (const anchor of chain.slice(-3, -1)) expect(tags).toContain(anchor);
    }
  });

  it('records rule-made rollup tags in the library and rejects a broken rules file', async () => {
    const library = path.join(work, 'library.db');
    const first = await runCli([
      'tag',
      PHOTOS_DIR,
      '--model',
      model,
      '--library',
      library,
      '--rules',
      rules,
      '-q',
    ]);
    expect(first.code, first.stderr).toBe(0);
    const long = path.join(work, 'long.csv');
    await runCli(['export', '--library', library, '--csv', long, '--format', 'long']);
    const rows = parse(await readFile(long, 'utf8'), { columns: true }) as Row[];
    const rollups = rows.filter((r) => r.rank === '' && r.source === 'auto');
    expect(rollups.length).toBeGreaterThan(0);

    const broken = path.join(work, 'broken.yml');
    await writeFile(broken, 'defaults:\n  treshold: 0.2\n');
    const bad = await runCli(['tag', PHOTOS_DIR, '--model', model, '--no-library', '--rules', broken]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/treshold/);
  });
});
