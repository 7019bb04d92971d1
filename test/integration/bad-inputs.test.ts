// Integration test (test process): every awkward input through read → sniff → preprocess ends in a tensor or the right FileError.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFileError } from '../../src-main/shared/file-errors.js';
import { loadAndPreprocess, ReadPhotoError } from '../../src-main/engine/imaging/photo-input.js';
import { imagenetPreprocess } from '../../src-main/engine/imaging/preprocess-spec.js';
import { DEFAULT_MAX_FILE_BYTES } from '../../src-main/engine/imaging/read-photo.js';
import { makeBadInputs, type BadInput } from '../support/bad-inputs.js';

const spec = imagenetPreprocess();
const FLOATS = 3 * 224 * 224;

let dir = '';
let inputs: Record<string, BadInput> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiptag-bad-'));
  inputs = await makeBadInputs(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the real entry point; the tensor slot sits in the middle of a batch to catch writes outside it. */
async function run(path: string) {
  const batch = new Float32Array(FLOATS * 3).fill(Number.NaN);
  try {
    const info = await loadAndPreprocess(path, spec, batch, FLOATS);
    return { ok: true as const, info, batch };
  } catch (error) {
    return { ok: false as const, error };
  }
}

const MESSAGES: Record<string, RegExp> = {
  empty: /^empty file$/,
  textAsJpeg: /^not an image file \(content is not a known image format\)$/,
  truncatedJpeg: /^truncated or damaged image data \(.*premature end of JPEG/i,
  hugePng: /^image is 30000×30000 = 900 MP, over the 200 MP limit$/,
  svg: /^SVG vector graphics are not photos/,
  svgAsJpeg: /^SVG vector graphics are not photos/,
  heic: /^HEIC\/HEIF: reading the file failed/,
  cr2: /^camera RAW file without an embedded JPEG preview/,
  directory: /directory/,
  symlinkLoop: /symbolic links/,
  danglingSymlink: /^file disappeared before it could be read/,
};

describe('awkward inputs', () => {
  it('generates every case', () => {
    expect(Object.keys(inputs).length).toBeGreaterThanOrEqual(20);
    for (const key of Object.keys(MESSAGES)) {
      if (key === 'symlinkLoop' || key === 'danglingSymlink') continue;
      expect(inputs, key).toHaveProperty(key);
    }
  });

  it.each([
    'png16',
    'cmykJpeg',
    'greyJpeg',
    'rgbaPng',
    'animatedGif',
    'orientation6',
    'avif',
    'commaName',
    'quoteName',
    'newlineName',
    'formulaName',
  ])('%s decodes to a finite 3×224×224 tensor', async (key) => {
    const input = inputs[key];
    expect(input?.expect).toBe('ok');
    const result = await run(input?.path ?? '');
    if (!result.ok) throw result.error;
    const slot = result.batch.subarray(FLOATS, 2 * FLOATS);
    expect(slot.every(Number.isFinite)).toBe(true);
    // Neighbouring slots untouched.
    expect(Number.isNaN(result.batch[FLOATS - 1])).toBe(true);
    expect(Number.isNaN(result.batch[2 * FLOATS])).toBe(true);
    expect(result.info.width).toBeGreaterThan(0);
    expect(result.info.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(Object.keys(MESSAGES))('%s fails with the expected code and message', async (key) => {
    const input = inputs[key];
    if (!input) return; // symlink cases where symlinks are unavailable
    const result = await run(input.path);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(isFileError(result.error)).toBe(true);
    if (!isFileError(result.error)) return;
    expect(result.error.code).toBe(input.expect);
    expect(result.error.message).toMatch(MESSAGES[key] ?? /./);
  });

  it('every generated case behaves as declared', async () => {
    for (const [key, input] of Object.entries(inputs)) {
      const result = await run(input.path);
      const outcome = result.ok ? 'ok' : isFileError(result.error) ? result.error.code : 'thrown';
      expect(`${key}: ${outcome}`).toBe(`${key}: ${input.expect}`);
    }
  });

  it('reports odd formats as the decoder names them, with the displayed size', async () => {
    const expected: Record<string, [format: string, width: number, height: number]> = {
      png16: ['png', 300, 200],
      cmykJpeg: ['jpeg', 300, 200],
      animatedGif: ['gif', 64, 64],
      orientation6: ['jpeg', 80, 120],
      avif: ['heif', 300, 200],
    };
    for (const [key, [format, width, height]] of Object.entries(expected)) {
      const result = await run(inputs[key]?.path ?? '');
      expect(result.ok && result.info, key).toMatchObject({ format, width, height });
    }
  });

  it('keeps size and hash on errors after the file was read', async () => {
    const result = await run(inputs.truncatedJpeg?.path ?? '');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(ReadPhotoError);
    expect((result.error as ReadPhotoError).sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((result.error as ReadPhotoError).size).toBeGreaterThan(0);
  });

  it('takes only the first frame of an animated GIF', async () => {
    const result = await run(inputs.animatedGif?.path ?? '');
    if (!result.ok) throw result.error;
    const plane = 224 * 224;
    const red = result.batch[FLOATS + 112 * 224 + 112] ?? 0;
    const blue = result.batch[FLOATS + 2 * plane + 112 * 224 + 112] ?? 0;
    expect(red).toBeGreaterThan(2); // (1 - 0.485) / 0.229 ≈ 2.25
    expect(blue).toBeLessThan(-1.5); // (0 - 0.406) / 0.225 ≈ -1.80
  });

  it('refuses the 900 MP bomb from its header, before any pixel is decoded', async () => {
    // The decode gate is asked right before pixels are decoded: the bomb must never get there. (How fast
    // and how little memory the refusal takes is measured by `npm run bench`, not asserted here.)
    const asked: number[] = [];
    const gate = async (bytes: number) => {
      asked.push(bytes);
      return () => undefined;
    };
    const batch = new Float32Array(FLOATS);
    const error = await loadAndPreprocess(inputs.hugePng?.path ?? '', spec, batch, 0, {
      maxFileBytes: DEFAULT_MAX_FILE_BYTES,
      gate,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'too_large', message: MESSAGES.hugePng });
    expect(asked).toEqual([]);
    // The same gate is asked, once, for a photo that is decoded.
    await loadAndPreprocess(inputs.png16?.path ?? '', spec, batch, 0, {
      maxFileBytes: DEFAULT_MAX_FILE_BYTES,
      gate,
    });
    expect(asked).toEqual([300 * 200 * 3 * 2]);
  });
});
