// Unit tests (shared) for the worker protocol: valid worker messages parse, malformed ones are rejected with a clear reason.
import { describe, expect, it } from 'vitest';
import {
  parseFromWorker,
  parseOpenOptions,
  WorkerProtocolError,
} from '../../src-main/shared/worker-protocol.js';
import type { FileResult } from '../../src-main/shared/results.js';

const open = {
  type: 'open',
  modelPath: '/models/colours.onnx',
  labelsPath: null,
  ep: 'cpu',
  threads: 2,
  batchSize: 8,
  topK: 5,
  threshold: 0,
  maxPixels: 200_000_000,
};

const result: FileResult = {
  path: '/photos/red.jpg',
  status: 'ok',
  errorCode: null,
  errorMessage: null,
  predictions: [{ index: 0, label: 'red', wnid: '', score: 0.98 }],
  width: 300,
  height: 200,
  format: 'jpeg',
  bytes: 1234,
  sha256: 'ab'.repeat(32),
  model: 'colours.onnx',
  provider: 'cpu',
  classifiedAt: '2026-01-01T00:00:00.000Z',
};

const ready = {
  type: 'ready',
  provider: 'cpu',
  attempts: [{ provider: 'cpu', ok: true, error: null }],
  modelName: 'colours.onnx',
  numClasses: 11,
  inputSize: [224, 224],
  fixedBatch: null,
};

describe('parseOpenOptions', () => {
  const { type: _type, ...options } = open;

  it('accepts valid open options', () => {
    expect(parseOpenOptions(options)).toEqual(options);
  });

  it.each([
    ['not an object', 'open', /invalid open options/],
    ['missing field', { ...options, modelPath: undefined }, /modelPath/],
    ['bad ep', { ...options, ep: 'tpu' }, /ep/],
    ['threshold out of range', { ...options, threshold: 1.5 }, /threshold/],
    ['zero batch', { ...options, batchSize: 0 }, /batchSize/],
    ['zero topK', { ...options, topK: 0 }, /invalid open options: topK/],
    ['extra field', { ...options, colour: 'red' }, /colour/],
  ])('rejects %s', (_name, value, reason) => {
    expect(() => parseOpenOptions(value)).toThrow(WorkerProtocolError);
    expect(() => parseOpenOptions(value)).toThrow(reason);
  });
});

describe('parseFromWorker', () => {
  it('accepts every worker message', () => {
    for (const message of [
      { type: 'hello' },
      ready,
      { type: 'task-done', id: 1, value: { kind: 'render', jpeg: new Uint8Array([0xff, 0xd8]) } },
      { type: 'task-done', id: 2, value: { kind: 'pixel-hash', hash: 'ab'.repeat(32) } },
      { type: 'task-failed', id: 3, code: 'corrupt', message: 'truncated' },
      { type: 'started', id: 3 },
      { type: 'result', id: 3, result },
      {
        type: 'result',
        id: 4,
        result: { ...result, status: 'error', errorCode: 'corrupt', errorMessage: 'bad', predictions: [] },
      },
      { type: 'batch-done', count: 8 },
      { type: 'fatal', message: 'cannot load model' },
      { type: 'log', level: 'warn', message: 'note' },
    ]) {
      expect(parseFromWorker(message)).toEqual(message);
    }
  });

  it.each([
    ['null', null, /invalid worker message/],
    [
      'a pixel hash that is not one',
      { type: 'task-done', id: 1, value: { kind: 'pixel-hash', hash: 'x' } },
      /hash/,
    ],
    ['a render without bytes', { type: 'task-done', id: 1, value: { kind: 'render', jpeg: 'ffd8' } }, /jpeg/],
    ['an unknown task error code', { type: 'task-failed', id: 1, code: 'oops', message: 'x' }, /code/],
    ['unknown provider', { ...ready, provider: 'tpu' }, /provider/],
    ['inputSize of one number', { ...ready, inputSize: [224] }, /inputSize/],
    [
      'unknown error code',
      { type: 'result', id: 1, result: { ...result, errorCode: 'oops' } },
      /result\.errorCode/,
    ],
    [
      'score above 1',
      {
        type: 'result',
        id: 1,
        result: { ...result, predictions: [{ index: 0, label: 'red', wnid: '', score: 2 }] },
      },
      /score/,
    ],
    [
      'result without path',
      { type: 'result', id: 1, result: { ...result, path: undefined } },
      /result\.path/,
    ],
    ['started without id', { type: 'started' }, /id/],
    ['unknown log level', { type: 'log', level: 'loud', message: 'x' }, /level/],
  ])('rejects %s', (_name, message, reason) => {
    expect(() => parseFromWorker(message)).toThrow(WorkerProtocolError);
    expect(() => parseFromWorker(message)).toThrow(reason);
  });

  it('names the message type in the error', () => {
    expect(() => parseFromWorker({ type: 'fatal' })).toThrow(/"fatal".*message/);
  });
});
