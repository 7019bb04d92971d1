// Unit tests (test process): how damaged data and decoder failures come out of preprocessPhoto.

import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { isFileError, type FileErrorCode } from '../../src-main/shared/file-errors.js';
import { formatMegapixels } from '../../src-main/engine/imaging/decoder-policy.js';
import { preprocessPhoto } from '../../src-main/engine/imaging/preprocess.js';
import { imagenetPreprocess } from '../../src-main/engine/imaging/preprocess-spec.js';

const spec = imagenetPreprocess();
let jpeg = Buffer.alloc(0);
let png = Buffer.alloc(0);

beforeAll(async () => {
  const noisy = sharp({
    create: {
      width: 400,
      height: 300,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 50 },
    },
  });
  jpeg = await noisy.clone().jpeg({ quality: 90 }).toBuffer();
  png = await noisy.clone().png().toBuffer();
});

async function outcome(bytes: Buffer, s = spec): Promise<'ok' | { code: FileErrorCode; message: string }> {
  try {
    await preprocessPhoto(bytes, s, new Float32Array(3 * s.cropWidth * s.cropHeight), 0);
    return 'ok';
  } catch (error) {
    if (isFileError(error)) return { code: error.code, message: error.message };
    throw error;
  }
}

/** Offset of a PNG chunk's CRC. */
function crcOffset(bytes: Buffer, type: string): number {
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    if (bytes.toString('latin1', at + 4, at + 8) === type) return at + 8 + length;
    at += 12 + length;
  }
  throw new Error(`no ${type} chunk`);
}

describe('damaged data', () => {
  it('rejects a truncated JPEG with the decoder reason', async () => {
    expect(await outcome(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)))).toEqual({
      code: 'corrupt',
      message: 'truncated or damaged image data (VipsJpeg: premature end of JPEG image)',
    });
  });

  it('rejects a truncated PNG', async () => {
    expect(await outcome(png.subarray(0, Math.floor(png.length * 0.6)))).toMatchObject({ code: 'corrupt' });
  });

  it('rejects PNG pixel data whose checksum is wrong', async () => {
    const bad = Buffer.from(png);
    const at = crcOffset(bad, 'IDAT');
    bad.writeUInt8(bad.readUInt8(at) ^ 0xff, at);
    expect(await outcome(bad)).toMatchObject({ code: 'corrupt' });
  });

  it('tolerates libjpeg warnings that real files trigger (extraneous bytes before a marker)', async () => {
    const at = jpeg.indexOf(Buffer.from([0xff, 0xdb]));
    const bytes = Buffer.concat([jpeg.subarray(0, at), Buffer.from([1, 2, 3]), jpeg.subarray(at)]);
    expect(await outcome(bytes)).toBe('ok');
  });

  it('tolerates junk after the end of the image', async () => {
    expect(await outcome(Buffer.concat([jpeg, Buffer.from('trailing junk')]))).toBe('ok');
  });

  it('calls text "not an image file"', async () => {
    expect(await outcome(Buffer.from('just some text'))).toEqual({
      code: 'corrupt',
      message: 'not an image file (content is not a known image format)',
    });
  });
});

describe('pixel limit', () => {
  it('reports the size against the spec limit before decoding', async () => {
    expect(await outcome(jpeg, { ...spec, maxPixels: 100_000 })).toEqual({
      code: 'too_large',
      message: 'image is 400×300 = 0.1 MP, over the 0.1 MP limit',
    });
  });

  it('formats megapixels readably', () => {
    expect(formatMegapixels(900_000_000)).toBe('900 MP');
    expect(formatMegapixels(200_000_000)).toBe('200 MP');
    expect(formatMegapixels(12_192_768)).toBe('12.2 MP');
  });
});

describe('tensor slot', () => {
  it('refuses a slot that does not fit (a caller bug, not a file error)', async () => {
    await expect(preprocessPhoto(jpeg, spec, new Float32Array(100), 0)).rejects.toThrow(RangeError);
  });
});
