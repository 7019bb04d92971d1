// Unit tests (shared) for the engine process contract: valid messages parse, malformed ones are rejected with a clear reason.
import { describe, expect, it } from 'vitest';
import {
  EngineContractError,
  parseChildMessage,
  parseOpenOptions,
  parseParentMessage,
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

describe('parseParentMessage', () => {
  it('accepts open, classify with byte paths, and shutdown', () => {
    expect(parseParentMessage(open)).toEqual(open);
    const path = Buffer.from([0x2f, 0xff, 0xfe, 0x2e, 0x6a, 0x70, 0x67]);
    const classify = parseParentMessage({
      type: 'classify',
      items: [{ id: 7, path, display: '/\uFFFD\uFFFD.jpg' }],
    });
    expect(classify.type === 'classify' && classify.items[0]?.path).toBe(path);
    expect(parseParentMessage({ type: 'classify', items: [] })).toEqual({ type: 'classify', items: [] });
    expect(parseParentMessage({ type: 'shutdown' })).toEqual({ type: 'shutdown' });
  });

  it.each([
    ['not an object', 'open', /invalid supervisor→engine message/],
    ['unknown type', { type: 'explode' }, /type/],
    ['missing field', { ...open, modelPath: undefined }, /modelPath/],
    ['bad ep', { ...open, ep: 'tpu' }, /ep/],
    ['threshold out of range', { ...open, threshold: 1.5 }, /threshold/],
    ['zero batch', { ...open, batchSize: 0 }, /batchSize/],
    ['extra field', { ...open, colour: 'red' }, /colour/],
    [
      'string path',
      { type: 'classify', items: [{ id: 1, path: '/a.jpg', display: '/a.jpg' }] },
      /items\.0\.path/,
    ],
    [
      'negative id',
      { type: 'classify', items: [{ id: -1, path: new Uint8Array(1), display: 'a' }] },
      /items\.0\.id/,
    ],
    [
      'fractional id',
      { type: 'classify', items: [{ id: 1.5, path: new Uint8Array(1), display: 'a' }] },
      /id/,
    ],
  ])('rejects %s', (_name, message, reason) => {
    expect(() => parseParentMessage(message)).toThrow(EngineContractError);
    expect(() => parseParentMessage(message)).toThrow(reason);
  });

  it('validates open options on their own', () => {
    const { type: _type, ...options } = open;
    expect(parseOpenOptions(options)).toEqual(options);
    expect(() => parseOpenOptions({ ...options, topK: 0 })).toThrow(/invalid open options: topK/);
  });
});

describe('parseChildMessage', () => {
  it('accepts every engine message', () => {
    for (const message of [
      ready,
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
      expect(parseChildMessage(message)).toEqual(message);
    }
  });

  it.each([
    ['null', null, /invalid engine→supervisor message/],
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
    expect(() => parseChildMessage(message)).toThrow(EngineContractError);
    expect(() => parseChildMessage(message)).toThrow(reason);
  });

  it('names the message type in the error', () => {
    expect(() => parseChildMessage({ type: 'fatal' })).toThrow(/"fatal".*message/);
  });
});
