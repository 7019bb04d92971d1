// Unit tests (engine process code) for the JSON export: valid streamed array, key shape, atomicity.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openJsonExport } from '../../src-main/engine/export/json-export.js';
import type { FileResult } from '../../src-main/shared/results.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptag-json-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ok: FileResult = {
  path: '/photos/cat "1",\n.jpg',
  status: 'ok',
  errorCode: null,
  errorMessage: null,
  predictions: [{ index: 281, label: 'tabby', wnid: 'n02123045', score: 0.75 }],
  width: 640,
  height: 480,
  format: 'jpeg',
  bytes: 12345,
  sha256: 'cd'.repeat(32),
  model: 'resnet50-v2-7.onnx',
  provider: 'cpu',
  classifiedAt: '2026-11-26T18:00:00.000Z',
};

const failed: FileResult = {
  ...ok,
  path: '/photos/x.heic',
  status: 'error',
  errorCode: 'unsupported_format',
  errorMessage: 'HEIC is not supported',
  predictions: [],
  width: null,
  height: null,
  format: null,
};

async function exportText(results: FileResult[]): Promise<string> {
  const target = join(dir, 'out.json');
  const json = await openJsonExport(target);
  for (const r of results) await json.write(r);
  await json.commit();
  return readFile(target, 'utf8');
}

describe('openJsonExport', () => {
  it('writes an empty array when there are no results', async () => {
    const text = await exportText([]);
    expect(JSON.parse(text)).toEqual([]);
    expect(text).toBe('[\n]\n');
  });

  it('writes one object per line with camelCase keys in FileResult order', async () => {
    const text = await exportText([ok, failed]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('[');
    expect(lines[3]).toBe(']');
    const parsed = JSON.parse(text) as unknown[];
    expect(parsed).toEqual([
      { ...ok, tags: [] },
      { ...failed, tags: [] },
    ]);
    expect(Object.keys(parsed[0] as object)).toEqual([
      'path',
      'status',
      'errorCode',
      'errorMessage',
      'predictions',
      'width',
      'height',
      'format',
      'bytes',
      'sha256',
      'model',
      'provider',
      'classifiedAt',
      'tags',
    ]);
    expect(Object.keys((parsed[0] as FileResult).predictions[0] ?? {})).toEqual([
      'index',
      'label',
      'wnid',
      'score',
    ]);
  });

  it('drops properties that are not part of the format', async () => {
    const extra = {
      ...ok,
      secret: 'x',
      predictions: [{ ...ok.predictions[0], debug: 1 }],
    } as unknown as FileResult;
    expect(JSON.parse(await exportText([extra]))).toEqual([{ ...ok, tags: [] }]);
  });

  it('keeps the older file on abort and leaves no temp file', async () => {
    const target = join(dir, 'out.json');
    await writeFile(target, 'old');
    const json = await openJsonExport(target);
    await json.write(ok);
    await json.abort();
    await expect(readFile(target, 'utf8')).resolves.toBe('old');
    await expect(readdir(dir)).resolves.toEqual(['out.json']);
  });

  it('round-trips arbitrary strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary' }), { maxLength: 4 }), async (paths) => {
        const results = paths.map((path) => ({ ...ok, path }));
        expect(JSON.parse(await exportText(results))).toEqual(results.map((r) => ({ ...r, tags: [] })));
      }),
      { numRuns: 50 },
    );
  });
});
