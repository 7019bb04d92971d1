// Unit test (test process): the PNG chunk walk that tells keyword import whether a PNG may hold XMP or IPTC, wherever its text chunks sit.
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { pngMayHoldKeywords } from '../../src-main/engine/imaging/png-keyword-chunks.js';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, crc]);
}

const text = (keyword: string, value: string) => chunk('tEXt', Buffer.from(`${keyword}\0${value}`, 'latin1'));
const ztext = (keyword: string, value: string) =>
  chunk('zTXt', Buffer.concat([Buffer.from(`${keyword}\0\0`, 'latin1'), deflateSync(value)]));
const itext = (keyword: string, value: string) =>
  chunk('iTXt', Buffer.from(`${keyword}\0\0\0\0\0${value}`, 'utf8'));

const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>';
let plain: Buffer;

/** The plain PNG with `extra` chunks before its first IDAT, or just before IEND (after the pixels). */
function withChunks(extra: Buffer[], where: 'before' | 'after'): Buffer {
  const at = where === 'after' ? plain.length - 12 : plain.indexOf(Buffer.from('IDAT')) - 4;
  return Buffer.concat([plain.subarray(0, at), ...extra, plain.subarray(at)]);
}

beforeAll(async () => {
  plain = await sharp({ create: { width: 64, height: 48, channels: 3, background: 'teal' } })
    .png()
    .toBuffer();
});

describe('pngMayHoldKeywords', () => {
  it('says no for a PNG whose text chunks cannot hold keywords', () => {
    expect(pngMayHoldKeywords(plain)).toBe(false);
    const described = withChunks(
      [text('Software', 'GIMP'), ztext('Raw profile type exif', 'exif'), itext('Comment', 'holiday')],
      'before',
    );
    expect(pngMayHoldKeywords(described)).toBe(false);
    expect(pngMayHoldKeywords(withChunks([text('Title', 'x')], 'after'))).toBe(false);
  });

  it.each<[string, Buffer]>([
    ['XMP in iTXt', itext('XML:com.adobe.xmp', XMP)],
    ['ImageMagick raw XMP', ztext('Raw profile type xmp', XMP)],
    ['raw IPTC', ztext('Raw profile type iptc', '\nIPTC profile\n 4\n1c0219\n')],
    ['raw Photoshop 8BIM', text('Raw profile type 8bim', '\n8BIM\n 4\n00\n')],
  ])('says yes for %s, before or after the pixels', (_name, extra) => {
    expect(pngMayHoldKeywords(withChunks([extra], 'before'))).toBe(true);
    // libvips never reports a chunk after IDAT; exiftool reads it, so the walk must find it.
    expect(pngMayHoldKeywords(withChunks([text('Software', 'x'), extra], 'after'))).toBe(true);
  });

  it('says "may" for a damaged chunk list rather than skip a photo that could hold keywords', () => {
    expect(pngMayHoldKeywords(plain.subarray(0, plain.length - 12))).toBe(true); // no IEND
    const lying = Buffer.from(plain);
    lying.writeUInt32BE(0x7ffffff0, 8); // IHDR claims more bytes than the file has
    expect(pngMayHoldKeywords(lying)).toBe(true);
    expect(pngMayHoldKeywords(Buffer.from('not a png at all'))).toBe(true);
  });
});
