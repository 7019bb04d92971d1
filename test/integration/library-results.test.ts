// Integration tests for recording results (engine): atomic predictions + done mark, auto tags vs user decisions, jobs.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../src-main/engine/library/library.js';
import type { SeenFile, SuccessRecord } from '../../src-main/engine/library/library-types.js';
import type { Prediction } from '../../src-main/shared/results.js';

let dir: string;
let library: Library;
let model: number;
let imageId: number;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'skiptag-results-'));
  library = Library.open(path.join(dir, 'library.db'));
  model = library.ensureModel('sha-model', 'resnet50.onnx');
  imageId = library.insertImage(seen('/p/a.jpg'), null, 1).id;
});
afterEach(() => {
  library.close();
  rmSync(dir, { recursive: true, force: true });
});

function seen(p: string): SeenFile {
  return { path: Buffer.from(p), display: p, size: 100, mtimeMs: 1, devIno: '1:1' };
}

function success(labels: [string, number][], modelId = model): SuccessRecord {
  return {
    modelId,
    provider: 'cpu',
    classifiedAt: '2026-01-01T00:00:00.000Z',
    sha256: 'content',
    size: 123,
    format: 'png',
    width: 32,
    height: 16,
    predictions: labels.map(([label, score], index) => ({
      index: index * 10,
      label,
      wnid: `n0${index}`,
      score,
    })),
  };
}

const tagMap = () =>
  Object.fromEntries(
    library.tagsForImage(imageId).map((t) => [t.tag, `${t.source}/${t.state}/${t.score ?? '-'}`]),
  );

describe('recording results', () => {
  it('stores metadata, ranked predictions, the done mark and suggested tags', () => {
    library.recordSuccess(
      imageId,
      success([
        ['tabby', 0.6],
        ['tiger cat', 0.3],
      ]),
    );
    expect(library.getImage(imageId)).toMatchObject({
      status: 'ok',
      sha256: 'content',
      size: 123,
      format: 'png',
      width: 32,
      height: 16,
    });
    expect(library.needsClassification(imageId, model)).toBe(false);
    expect(tagMap()).toEqual({ tabby: 'auto/suggested/0.6', 'tiger cat': 'auto/suggested/0.3' });
    const [exported] = [...library.exportImages()];
    expect(exported?.predictions).toEqual([
      { index: 0, label: 'tabby', wnid: 'n00', score: 0.6 },
      { index: 10, label: 'tiger cat', wnid: 'n01', score: 0.3 },
    ]);
    expect(exported).toMatchObject({
      modelName: 'resnet50.onnx',
      provider: 'cpu',
      classifiedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('re-classifying keeps accepted and rejected tags and drops stale suggestions', () => {
    library.recordSuccess(
      imageId,
      success([
        ['tabby', 0.6],
        ['tiger cat', 0.3],
        ['lynx', 0.1],
      ]),
    );
    library.setTagState([imageId], 'tabby', 'accepted');
    library.setTagState([imageId], 'lynx', 'rejected');
    library.setTagState([imageId], 'granny', 'accepted');
    library.recordSuccess(
      imageId,
      success([
        ['lynx', 0.5],
        ['tabby', 0.4],
        ['Egyptian cat', 0.05],
      ]),
    );
    expect(tagMap()).toEqual({
      tabby: 'auto/accepted/0.4',
      lynx: 'auto/rejected/0.1',
      granny: 'user/accepted/-',
      'Egyptian cat': 'auto/suggested/0.05',
    });
    const [exported] = [...library.exportImages()];
    expect(exported?.predictions.map((p) => p.label)).toEqual(['lynx', 'tabby', 'Egyptian cat']);
    expect(exported?.acceptedTags.sort()).toEqual(['granny', 'tabby']);
    expect(exported?.rejectedTags).toEqual(['lynx']);
  });

  it('merges two classes with the same name into one tag with the better score', () => {
    library.recordSuccess(
      imageId,
      success([
        ['crane', 0.2],
        ['crane', 0.5],
      ]),
    );
    expect(tagMap()).toEqual({ crane: 'auto/suggested/0.5' });
  });

  it('never marks an image done without its predictions', () => {
    const broken = success([['tabby', 0.6]]);
    const bad = { index: 1, label: 'x', wnid: undefined, score: 0.1 } as unknown as Prediction;
    expect(() =>
      library.recordSuccess(imageId, { ...broken, predictions: [...broken.predictions, bad] }),
    ).toThrow();
    expect(library.getImage(imageId)?.status).toBe('pending');
    expect(library.needsClassification(imageId, model)).toBe(true);
    expect(library.tagsForImage(imageId)).toEqual([]);
    // Also when it is part of a caller's batch that fails later.
    expect(() =>
      library.transaction(() => {
        library.recordSuccess(imageId, success([['tabby', 0.6]]));
        throw new Error('batch failed');
      }),
    ).toThrow('batch failed');
    expect(library.needsClassification(imageId, model)).toBe(true);
    expect(() => library.recordSuccess(424242, success([['tabby', 0.6]]))).toThrow(/no image/);
  });

  it('tracks classifications per model and exports the latest unless a model is named', () => {
    const other = library.ensureModel('sha-other', 'resnet18.onnx');
    expect(library.ensureModel('sha-model', 'renamed.onnx')).toBe(model);
    library.recordSuccess(imageId, success([['tabby', 0.6]]));
    expect(library.needsClassification(imageId, other)).toBe(true);
    library.recordSuccess(imageId, {
      ...success([['lynx', 0.7]], other),
      classifiedAt: '2026-02-01T00:00:00.000Z',
    });
    expect(library.needsClassification(imageId, other)).toBe(false);
    const latest = [...library.exportImages()][0];
    expect([latest?.modelName, latest?.predictions[0]?.label]).toEqual(['resnet18.onnx', 'lynx']);
    const named = [...library.exportImages({ modelId: model })][0];
    expect([named?.modelName, named?.predictions[0]?.label]).toEqual(['renamed.onnx', 'tabby']);
  });

  it('a failure forgets derived results but keeps the user decisions; crashes are counted', () => {
    library.recordSuccess(
      imageId,
      success([
        ['tabby', 0.6],
        ['lynx', 0.2],
      ]),
    );
    library.setTagState([imageId], 'lynx', 'rejected');
    library.setTagState([imageId], 'mine', 'accepted');
    expect(library.incrementCrashCount(imageId)).toBe(1);
    expect(library.incrementCrashCount(imageId)).toBe(2);
    library.recordFailure(imageId, { code: 'internal', message: 'decoder crashed twice' }, 'crashed');
    expect(library.getImage(imageId)).toMatchObject({
      status: 'crashed',
      errorCode: 'internal',
      errorMessage: 'decoder crashed twice',
      sha256: 'content',
      crashCount: 2,
    });
    expect(tagMap()).toEqual({ lynx: 'auto/rejected/0.2', mine: 'user/accepted/-' });
    expect([...library.exportImages()][0]).toMatchObject({ predictions: [], modelName: null });
    library.recordFailure(
      imageId,
      { code: 'corrupt', message: 'truncated', sha256: 'new', size: 5 },
      'error',
    );
    expect(library.getImage(imageId)).toMatchObject({
      status: 'error',
      errorCode: 'corrupt',
      sha256: 'new',
      size: 5,
    });
    library.recordSuccess(imageId, success([['tabby', 0.6]]));
    expect(library.getImage(imageId)).toMatchObject({
      status: 'ok',
      errorCode: null,
      errorMessage: null,
      crashCount: 0,
    });
    expect(library.integrityCheck()).toBe('ok');
  });

  it('user actions: accept, reject, remove, on several images, skipping unknown ids', () => {
    const second = library.insertImage(seen('/p/b.jpg'), null, 1).id;
    expect(library.setTagState([imageId, second, 999], 'beach', 'accepted')).toBe(2);
    expect(library.setTagState([second], 'beach', 'rejected')).toBe(1);
    expect(library.tagsForImage(second)).toEqual([
      { tag: 'beach', source: 'user', state: 'rejected', score: null },
    ]);
    expect(library.removeTag([imageId, second], 'beach')).toBe(2);
    expect(library.tagsForImage(imageId)).toEqual([]);
  });

  it('records jobs and lists the unfinished ones', () => {
    const a = library.createJob('tag', { inputs: ['/p'], model: 'resnet50.onnx' });
    const b = library.createJob('tag', null);
    expect(library.getJob(a)).toMatchObject({
      kind: 'tag',
      state: 'queued',
      params: { inputs: ['/p'], model: 'resnet50.onnx' },
    });
    library.updateJobProgress(a, { done: 5, failed: 1, total: 10 });
    expect(library.getJob(a)).toMatchObject({ state: 'running', done: 5, failed: 1, total: 10 });
    library.setJobState(b, 'paused');
    expect(library.unfinishedJobs().map((j) => [j.id, j.state])).toEqual([
      [a, 'running'],
      [b, 'paused'],
    ]);
    library.finishJob(a, 'done');
    library.finishJob(b, 'cancelled');
    expect(library.unfinishedJobs()).toEqual([]);
  });
});
