// When a photo was taken (engine): EXIF DateTimeOriginal from real camera files, never the edit date, and nonsense refused.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { exifDateTaken, parseExifDate } from '../../src-main/engine/imaging/exif-date.js';
import { preprocessPhoto } from '../../src-main/engine/imaging/preprocess.js';
import { imagenetPreprocess } from '../../src-main/engine/imaging/preprocess-spec.js';
import { PHOTOS_DIR } from '../support/run-cli.js';

const exifOf = async (file: string) => (await sharp(path.join(PHOTOS_DIR, file)).metadata()).exif;

/** A little-endian TIFF block: IFD0 → Exif IFD holding the given ASCII entries. */
function tiffBlock(entries: [tag: number, text: string][], prefix = true): Buffer {
  const header = Buffer.from([0x49, 0x49, 42, 0, 8, 0, 0, 0]);
  const ifd0 = Buffer.alloc(2 + 12 + 4);
  ifd0.writeUInt16LE(1, 0);
  ifd0.writeUInt16LE(0x8769, 2);
  ifd0.writeUInt16LE(4, 4);
  ifd0.writeUInt32LE(1, 6);
  const exifIfdAt = 8 + ifd0.length;
  ifd0.writeUInt32LE(exifIfdAt, 10);
  const exifIfd = Buffer.alloc(2 + entries.length * 12 + 4);
  exifIfd.writeUInt16LE(entries.length, 0);
  let dataAt = exifIfdAt + exifIfd.length;
  const data: Buffer[] = [];
  entries.forEach(([tag, text], i) => {
    const bytes = Buffer.from(`${text}\0`, 'latin1');
    exifIfd.writeUInt16LE(tag, 2 + i * 12);
    exifIfd.writeUInt16LE(2, 4 + i * 12);
    exifIfd.writeUInt32LE(bytes.length, 6 + i * 12);
    exifIfd.writeUInt32LE(dataAt, 10 + i * 12);
    data.push(bytes);
    dataAt += bytes.length;
  });
  const tiff = Buffer.concat([header, ifd0, exifIfd, ...data]);
  return prefix ? Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]) : tiff;
}

describe('exifDateTaken', () => {
  it('reads DateTimeOriginal from real camera files (big-endian EXIF), not the date of the last edit', async () => {
    expect(exifDateTaken(await exifOf('dog.jpg'))).toBe('2014-09-19T16:08:30');
    // Edited in Lightroom in 2017 (IFD0 DateTime), taken in 2010.
    expect(exifDateTaken(await exifOf('kite.jpg'))).toBe('2010-06-06T12:27:25');
    expect(exifDateTaken(await exifOf('giraffe.jpg'))).toBeNull();
    expect(exifDateTaken(await exifOf('scream.jpg'))).toBeNull();
  });

  it('reaches the classifier’s result through the one decode of the photo', async () => {
    const spec = imagenetPreprocess();
    const out = new Float32Array(3 * 224 * 224);
    const bytes = await readFile(path.join(PHOTOS_DIR, 'eagle.jpg'));
    expect((await preprocessPhoto(bytes, spec, out, 0)).takenAt).toBe('2013-07-19T21:57:42');
  });

  it('falls back to DateTimeDigitized, reads little-endian and bare TIFF blocks', () => {
    expect(exifDateTaken(tiffBlock([[0x9003, '2021:02:28 23:59:59']]))).toBe('2021-02-28T23:59:59');
    expect(exifDateTaken(tiffBlock([[0x9004, '2001:01:01 00:00:00']], false))).toBe('2001-01-01T00:00:00');
    expect(
      exifDateTaken(
        tiffBlock([
          [0x9003, '0000:00:00 00:00:00'],
          [0x9004, '1999:12:31 12:00:00'],
        ]),
      ),
    ).toBe('1999-12-31T12:00:00');
  });

  it('refuses dates that are not real and never throws on damaged blocks', () => {
    for (const bad of [
      '2021:02:30 10:00:00',
      '2021:13:01 10:00:00',
      '2021:01:01 25:00:00',
      '    :  :     :  :  ',
    ]) {
      expect(parseExifDate(bad), bad).toBeNull();
    }
    expect(exifDateTaken(undefined)).toBeNull();
    expect(exifDateTaken(Buffer.from('Exif\0\0MM\0*\0\0\xff\xff\xff\xff', 'latin1'))).toBeNull();
    const good = tiffBlock([[0x9003, '2021:02:28 23:59:59']]);
    // Cut anywhere, or with any byte changed: a date or null, never an exception.
    for (let end = 0; end < good.length; end++) {
      const value = exifDateTaken(good.subarray(0, end));
      expect(value === null || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(value)).toBe(true);
    }
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (at, byte) => {
        const copy = Buffer.from(good);
        copy[at] = byte;
        const value = exifDateTaken(copy);
        return value === null || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(value);
      }),
      { numRuns: 500 },
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => exifDateTaken(bytes) !== undefined));
  });
});
