// Unit tests (test process): magic-byte and extension sniffing of camera formats (HEIC, RAW) and refused ones (SVG, gzip).

import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isFileError } from '../../src-main/shared/file-errors.js';
import { preprocessPhoto } from '../../src-main/engine/imaging/preprocess.js';
import { imagenetPreprocess } from '../../src-main/engine/imaging/preprocess-spec.js';
import {
  assertDecodable,
  extensionOf,
  sniffCameraFormat,
  sniffRefusal,
} from '../../src-main/engine/imaging/sniff-format.js';

/** An ISO-BMFF file start: ftyp box with a major brand and compatible brands. */
function ftyp(major: string, ...compatible: string[]): Buffer {
  const size = 16 + 4 * compatible.length;
  const box = Buffer.alloc(size);
  box.writeUInt32BE(size, 0);
  box.write(`ftyp${major}`, 4, 'latin1');
  compatible.forEach((brand, i) => box.write(brand, 16 + 4 * i, 'latin1'));
  return Buffer.concat([box, Buffer.alloc(32)]);
}

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0]);
const TIFF = Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 0, 0, 0, 0]);
const SVG = '<svg xmlns="http://www.w3.org/2000/svg"/>';

describe('HEIF', () => {
  it.each([
    ['heic', ftyp('heic', 'mif1', 'heic')],
    ['heix', ftyp('heix', 'mif1')],
    ['hevc sequence', ftyp('hevc', 'msf1')],
    ['mif1 with heic', ftyp('mif1', 'mif1', 'heic')],
    ['bare mif1', ftyp('mif1', 'mif1', 'miaf')],
  ])('recognises %s as HEIF for libheif, whatever the name', (_name, bytes) => {
    expect(sniffRefusal(bytes, 'photo.jpg')).toBeNull();
    expect(sniffCameraFormat(bytes, 'photo.jpg')).toEqual({ kind: 'heif' });
  });

  it.each([
    ['avif', ftyp('avif', 'mif1', 'miaf')],
    ['avis', ftyp('avis', 'msf1')],
    ['mif1 with avif', ftyp('mif1', 'mif1', 'avif')],
  ])('lets AVIF through to libvips (%s)', (_name, bytes) => {
    expect(sniffRefusal(bytes, 'photo.avif')).toBeNull();
    expect(sniffCameraFormat(bytes, 'photo.heic')).toBeNull();
  });
});

describe('camera RAW', () => {
  it.each(['IMG_1.CR2', 'a.nef', 'b.ARW', 'c.dng', 'd.raf', 'e.orf', 'f.rw2', 'g.pef', 'h.srw', 'i.cr3'])(
    'recognises %s by extension, naming its kind',
    (name) => {
      const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
      expect(sniffRefusal(TIFF, name)).toBeNull();
      expect(sniffCameraFormat(TIFF, name)).toEqual({ kind: 'raw', raw: ext });
    },
  );

  it('decodes a real JPEG that merely carries a RAW extension', () => {
    expect(sniffRefusal(JPEG, 'renamed.NEF')).toBeNull();
    expect(sniffCameraFormat(JPEG, 'renamed.NEF')).toBeNull();
  });

  it.each([
    ['CR2', Buffer.concat([Buffer.from('II*\0\x10\0\0\0CR\x02\0', 'latin1'), Buffer.alloc(20)]), 'CR2'],
    ['CR3', ftyp('crx ', 'crx ', 'isom'), 'CR3'],
    ['ORF', Buffer.concat([Buffer.from('IIRO\x08\0\0\0', 'latin1'), Buffer.alloc(20)]), 'ORF'],
    ['RW2', Buffer.concat([Buffer.from('IIU\0\x18\0\0\0', 'latin1'), Buffer.alloc(20)]), 'RW2'],
    ['RAF', Buffer.concat([Buffer.from('FUJIFILMCCD-RAW 0201', 'latin1'), Buffer.alloc(20)]), 'RAF'],
  ])('recognises %s by content even when named .jpg', (_name, bytes, ext) => {
    expect(sniffCameraFormat(bytes, 'x.jpg')).toEqual({ kind: 'raw', raw: ext.toLowerCase() });
  });

  it('lets plain TIFF through', () => {
    expect(sniffRefusal(TIFF, 'scan.tif')).toBeNull();
    expect(sniffCameraFormat(TIFF, 'scan.tif')).toBeNull();
  });
});

describe('SVG', () => {
  it.each([
    ['bare', SVG],
    ['XML declaration', `<?xml version="1.0" encoding="UTF-8"?>\n${SVG}`],
    ['BOM and whitespace', `\ufeff  \n${SVG}`],
    ['doctype', `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">${SVG}`],
    ['leading comment', `<!-- drawn by hand -->\n${SVG}`],
    ['upper case', SVG.toUpperCase()],
  ])('refuses %s by content, whatever the name', (_name, text) => {
    expect(sniffRefusal(Buffer.from(text), 'picture.jpg')).toMatchObject({ kind: 'svg' });
  });

  it('refuses gzip-compressed SVG (librsvg would inflate it)', () => {
    expect(sniffRefusal(gzipSync(Buffer.from(SVG)), 'logo.png')).toMatchObject({ kind: 'svg' });
  });

  it('calls other gzip data not an image', () => {
    expect(() => assertDecodable(gzipSync(Buffer.from('hello')), 'x.jpg')).toThrowError(/gzip/);
  });

  it('refuses by extension too', () => {
    expect(sniffRefusal(Buffer.from('garbage'), 'x.svg')).toMatchObject({ kind: 'svg' });
  });

  it('leaves other XML alone', () => {
    expect(sniffRefusal(Buffer.from('<?xml version="1.0"?><x:xmpmeta/>'), 'a.xmp')).toBeNull();
  });

  it('never reaches librsvg even if the sniffer is skipped', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"><rect width="300" height="300"/></svg>',
    );
    const error: unknown = await preprocessPhoto(
      svg,
      imagenetPreprocess(),
      new Float32Array(3 * 224 * 224),
      0,
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isFileError(error) && error.code).toBe('corrupt');
  });
});

describe('ordinary images', () => {
  it('passes real encodings through', async () => {
    const img = sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } });
    for (const bytes of [
      await img.clone().jpeg().toBuffer(),
      await img.clone().png().toBuffer(),
      await img.clone().webp().toBuffer(),
      await img.clone().gif().toBuffer(),
      await img.clone().tiff().toBuffer(),
    ]) {
      expect(sniffRefusal(bytes, 'x.bin')).toBeNull();
    }
  });

  it('assertDecodable throws unsupported_format for refused formats', () => {
    try {
      assertDecodable(Buffer.from(SVG), 'a.heic');
      expect.unreachable();
    } catch (error) {
      expect(isFileError(error) && error.code).toBe('unsupported_format');
    }
  });
});

describe('extensionOf', () => {
  it.each<[string | Buffer, string]>([
    ['/a/b/photo.JPG', 'jpg'],
    ['/a/b.d/photo', ''],
    ['/a/.hidden', ''],
    ['C:\\pics\\x.Nef', 'nef'],
    [Buffer.from([0x2f, 0xff, 0xfe, 0x2e, 0x43, 0x52, 0x32]), 'cr2'], // "/\xff\xfe.CR2", not UTF-8
  ])('%j → %s', (path, ext) => {
    expect(extensionOf(path)).toBe(ext);
  });
});
