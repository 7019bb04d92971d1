// Test-only generator of awkward photo inputs (odd-but-valid images, broken files, refused formats, odd names) (test process).

import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants as zlibConstants, crc32, deflateRawSync } from 'node:zlib';
import sharp, { type Sharp } from 'sharp';
import type { FileErrorCode } from '../../src-main/shared/file-errors.js';

export interface BadInput {
  path: string;
  /** 'ok': decodes to a normal tensor; otherwise the FileError code it must fail with. */
  expect: 'ok' | FileErrorCode;
}

const REAL_JPEG = fileURLToPath(new URL('../fixtures/photos/dog.jpg', import.meta.url));

/** A photo-like JPEG: a real one when darknet's samples are installed, a synthetic one otherwise. */
async function samplePhoto(): Promise<Buffer> {
  if (existsSync(REAL_JPEG)) return readFile(REAL_JPEG);
  return sharp({
    create: {
      width: 640,
      height: 480,
      channels: 3,
      background: '#3a6ea5',
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Left half red, right half blue: makes orientation and channel order visible. */
export function halvesImage(width: number, height: number): Sharp {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[(y * width + x) * 3 + (x < width / 2 ? 0 : 2)] = 255;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

/**
 * A valid 30000×30000 black RGB PNG (2.7 GB of pixels) in ~2.6 MB, built in milliseconds: one deflate segment
 * of 100 zero rows, ended by a full flush so it depends on nothing before it, repeated 300 times. (Encoding
 * it with sharp takes ~8 s.)
 */
export function hugePng(size = 30000): Buffer {
  const rowBytes = 1 + size * 3; // filter byte + RGB
  const rowsPerSegment = 100;
  if (size % rowsPerSegment !== 0) throw new Error('size must be a multiple of 100');
  const segment = deflateRawSync(Buffer.alloc(rowsPerSegment * rowBytes), {
    level: 9,
    finishFlush: zlibConstants.Z_FULL_FLUSH,
  });
  const total = rowBytes * size;
  // Adler-32 of all-zero data: a stays 1, b adds 1 per byte.
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(((total % 65521) * 65536 + 1) >>> 0);
  const zlibStream = Buffer.concat([
    Buffer.from([0x78, 0xda]),
    ...Array.from({ length: size / rowsPerSegment }, () => segment),
    Buffer.from([0x03, 0x00]), // final, empty, fixed-Huffman block
    adler,
  ]);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filter, no interlace
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlibStream),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(head.subarray(4))));
  return Buffer.concat([head, data, crc]);
}

/** The smallest ISO-BMFF header a sniffer needs to call it HEIC: an ftyp box with brand heic. */
function fakeHeic(): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypheic', 4, 'latin1');
  ftyp.write('mif1heic', 16, 'latin1');
  return Buffer.concat([ftyp, Buffer.alloc(64)]);
}

/** A Canon CR2 header: TIFF little-endian, then "CR" and major version 2 at offset 8. */
function fakeCr2(): Buffer {
  const head = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x10, 0x00, 0x00, 0x00, 0x43, 0x52, 0x02, 0x00]);
  return Buffer.concat([head, Buffer.alloc(500)]);
}

/**
 * Writes the awkward inputs into `dir` (which must exist and be empty-ish) and says what each must do.
 * Other tests (CLI end to end) reuse it, so the names and expectations are part of its contract.
 */
export async function makeBadInputs(dir: string): Promise<Record<string, BadInput>> {
  const photo = await samplePhoto();
  const small = await sharp(photo).resize(320, 240).jpeg({ quality: 85 }).toBuffer();
  const halves = halvesImage(120, 80);
  const alpha = Buffer.alloc(300 * 200 * 4);
  for (let i = 0; i < 300 * 200; i++) {
    alpha.set([200, 30, 30, i % 300 < 150 ? 0 : 255], i * 4); // left half fully transparent
  }
  const frames = Buffer.alloc(64 * 128 * 3);
  for (let i = 0; i < 64 * 128; i++) frames[i * 3 + (i < 64 * 64 ? 0 : 2)] = 255; // red frame, then blue

  const files: Record<string, [name: string, content: Buffer | Promise<Buffer>, expect: BadInput['expect']]> =
    {
      empty: ['empty.jpg', Buffer.alloc(0), 'corrupt'],
      textAsJpeg: ['notes.jpg', Buffer.from('Shopping list:\n- milk\n- eggs\n'), 'corrupt'],
      truncatedJpeg: ['truncated.jpg', photo.subarray(0, Math.floor(photo.length * 0.6)), 'corrupt'],
      hugePng: ['huge-30000x30000.png', hugePng(), 'too_large'],
      png16: ['sixteen-bit.png', sharp(photo).resize(300, 200).toColourspace('rgb16').png().toBuffer(), 'ok'],
      cmykJpeg: ['cmyk.jpg', sharp(photo).resize(300, 200).toColourspace('cmyk').jpeg().toBuffer(), 'ok'],
      greyJpeg: ['grey.jpg', sharp(photo).resize(300, 200).greyscale().jpeg().toBuffer(), 'ok'],
      rgbaPng: [
        'transparent.png',
        sharp(alpha, { raw: { width: 300, height: 200, channels: 4 } })
          .png()
          .toBuffer(),
        'ok',
      ],
      animatedGif: [
        'animated.gif',
        sharp(frames, { raw: { width: 64, height: 128, channels: 3, pageHeight: 64 } })
          .gif({ loop: 0, delay: [100, 100] })
          .toBuffer(),
        'ok',
      ],
      orientation6: ['rotated.jpg', halves.jpeg().withMetadata({ orientation: 6 }).toBuffer(), 'ok'],
      avif: ['photo.avif', sharp(photo).resize(300, 200).avif({ quality: 60, effort: 0 }).toBuffer(), 'ok'],
      svg: [
        'vector.svg',
        Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
        ),
        'unsupported_format',
      ],
      svgAsJpeg: [
        'drawing.jpg',
        Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'),
        'unsupported_format',
      ],
      // A HEIF header with nothing behind it, a CR2 header with an empty IFD: recognised, but nothing to show.
      heic: ['IMG_0001.HEIC', fakeHeic(), 'heif_corrupt'],
      cr2: ['IMG_0002.CR2', fakeCr2(), 'raw_no_preview'],
      commaName: ['beach, sunset.jpg', small, 'ok'],
      quoteName: ['say "cheese".jpg', small, 'ok'],
      newlineName: ['two\nlines.jpg', small, 'ok'],
      formulaName: ['=HYPERLINK("x").jpg', small, 'ok'],
    };

  const result: Record<string, BadInput> = {};
  for (const [key, [name, content, expect]] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, await content);
    result[key] = { path, expect };
  }

  const directory = join(dir, 'folder.jpg');
  await mkdir(directory);
  result.directory = { path: directory, expect: 'path_error' };
  // Symlinks need privileges on Windows; the cases are simply absent there.
  try {
    await symlink('loop-b.jpg', join(dir, 'loop-a.jpg'));
    await symlink('loop-a.jpg', join(dir, 'loop-b.jpg'));
    result.symlinkLoop = { path: join(dir, 'loop-a.jpg'), expect: 'path_error' };
    await symlink('no-such-target.jpg', join(dir, 'dangling.jpg'));
    result.danglingSymlink = { path: join(dir, 'dangling.jpg'), expect: 'vanished' };
  } catch {
    // not supported here
  }
  return result;
}
