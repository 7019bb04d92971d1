// Real camera files made on demand, for tests and benchmarks (engine process): HEIC from heif-enc (with an optional irot rotation), and minimal DNGs with an embedded JPEG preview.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);

export interface HeicOptions {
  /** heif-enc's quality (default 90). */
  quality?: number;
  /** Bounding box of the thumbnail item heif-enc adds; 0 or absent: no thumbnail. */
  thumbnail?: number;
  /** Counter-clockwise rotation stored as an `irot` property of the primary image (as iPhones store it). */
  irot?: 0 | 90 | 180 | 270;
  /** 10 bits per sample (HDR-capable phones), from a 16-bit PNG. */
  tenBit?: boolean;
  /** `image` is a JPEG to hand heif-enc as it is: it copies the JPEG's EXIF into the HEIC's Exif item. */
  fromJpeg?: boolean;
}

/**
 * Whether HEIC files can be made here (Debian's libheif-examples, Homebrew's libheif). Tests on Linux
 * assume yes (.ci/run installs it), so a missing heif-enc fails there instead of skipping quietly.
 */
export function canMakeHeic(): boolean {
  return process.platform === 'linux' || spawnSync('heif-enc', ['--help']).error === undefined;
}

/** Encodes an image (any format sharp reads) as HEIC with Debian's heif-enc (libheif + x265). */
export async function makeHeic(image: Buffer, options: HeicOptions = {}): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'skiptag-heic-'));
  try {
    const source = path.join(dir, options.fromJpeg ? 'in.jpg' : 'in.png');
    if (options.fromJpeg) {
      await writeFile(source, image);
    } else {
      // PNG in: lossless, so the HEIC differs from the source only by HEVC's own loss.
      const png = sharp(image);
      await (options.tenBit ? png.toColourspace('rgb16') : png).png({ compressionLevel: 1 }).toFile(source);
    }
    const out = path.join(dir, 'out.heic');
    const args = ['-q', String(options.quality ?? 90)];
    if (options.tenBit) args.push('-b', '10');
    if (options.thumbnail) args.push('-t', String(options.thumbnail));
    await run('heif-enc', [...args, source, '-o', out]);
    const heic = await readFile(out);
    return options.irot ? withIrot(heic, options.irot) : heic;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- ISO-BMFF editing: add an irot property to the primary item (heif-enc 1.15 has no option for it) ----

interface Box {
  type: string;
  start: number;
  end: number;
  /** Where the children (or payload) start: after the header, and after version/flags for full boxes. */
  body: number;
}

function boxes(bytes: Buffer, start: number, end: number): Box[] {
  const out: Box[] = [];
  for (let at = start; at + 8 <= end;) {
    const size = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (size < 8) throw new Error(`unsupported box size ${size}`);
    out.push({ type, start: at, end: at + size, body: at + 8 });
    at += size;
  }
  return out;
}

function child(bytes: Buffer, parent: Box, type: string, skip = 0): Box {
  const found = boxes(bytes, parent.body + skip, parent.end).find((b) => b.type === type);
  if (!found) throw new Error(`no ${type} box`);
  return found;
}

/**
 * Inserts `irot` (rotation anticlockwise by `degrees`) into ipco and associates it with the primary item
 * in ipma; box sizes and iloc file offsets (mdat follows meta) are adjusted. Only what heif-enc writes is
 * supported: iloc version 0/1 with 4-byte offsets, ipma with 1-byte entries.
 */
export function withIrot(heic: Buffer, degrees: 90 | 180 | 270): Buffer {
  const top = boxes(heic, 0, heic.length);
  const meta = top.find((b) => b.type === 'meta');
  if (!meta) throw new Error('no meta box');
  const iprp = child(heic, meta, 'iprp', 4);
  const ipco = child(heic, iprp, 'ipco');
  const ipma = child(heic, iprp, 'ipma');
  const propertyIndex = boxes(heic, ipco.body, ipco.end).length + 1;
  if (propertyIndex > 127) throw new Error('too many properties for 1-byte ipma entries');
  const irot = Buffer.from([0, 0, 0, 9, 0x69, 0x72, 0x6f, 0x74, degrees / 90]);

  // Every image item (the primary and its thumbnail, as on an iPhone) gets one more, essential, association.
  const ipmaFlags = heic.readUInt32BE(ipma.body) & 0xffffff;
  if ((ipmaFlags & 1) !== 0 || heic[ipma.body] !== 0) throw new Error('unsupported ipma version or flags');
  const count = heic.readUInt32BE(ipma.body + 4);
  const pieces: Buffer[] = [heic.subarray(0, ipco.end), irot];
  let from = ipco.end;
  let at = ipma.body + 8;
  for (let i = 0; i < count; i++) {
    const n = heic[at + 2] ?? 0;
    pieces.push(heic.subarray(from, at + 2), Buffer.from([n + 1]), heic.subarray(at + 3, at + 3 + n));
    pieces.push(Buffer.from([0x80 | propertyIndex]));
    from = at + 3 + n;
    at = from;
  }
  pieces.push(heic.subarray(from));
  const out = Buffer.concat(pieces);
  const grow = irot.length + count;
  // Sizes of every box that now holds more bytes.
  for (const box of [meta, iprp]) out.writeUInt32BE(box.end - box.start + grow, box.start);
  out.writeUInt32BE(ipco.end - ipco.start + irot.length, ipco.start);
  out.writeUInt32BE(ipma.end - ipma.start + count, ipma.start + irot.length);

  // iloc offsets point into mdat, which lies after meta: move them by what meta grew.
  const iloc = child(heic, meta, 'iloc', 4);
  const ilocAt = iloc.start;
  if (ilocAt >= ipco.start) throw new Error('iloc after iprp is not supported');
  const version = out[ilocAt + 8] ?? 0;
  const sizes = out.readUInt16BE(ilocAt + 12);
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 15;
  const baseSize = (sizes >> 4) & 15;
  if (offsetSize !== 4 || (baseSize !== 0 && baseSize !== 4) || version > 1) {
    throw new Error('unsupported iloc layout');
  }
  let p = ilocAt + 14;
  const items = out.readUInt16BE(p);
  p += 2;
  for (let i = 0; i < items; i++) {
    p += 2; // item id
    // Construction method 1 (idat) offsets are relative to the idat box, not to the file.
    const inFile = version === 0 || (out.readUInt16BE(p) & 15) === 0;
    if (version === 1) p += 2;
    p += 2; // data reference index
    // A file position is base offset + extent offset: move the base when there is one, else each extent.
    if (baseSize === 4 && inFile) out.writeUInt32BE(out.readUInt32BE(p) + grow, p);
    p += baseSize;
    const extents = out.readUInt16BE(p);
    p += 2;
    for (let e = 0; e < extents; e++) {
      if (baseSize === 0 && inFile) out.writeUInt32BE(out.readUInt32BE(p) + grow, p);
      p += offsetSize + lengthSize;
    }
  }
  return out;
}

// ---- Minimal DNG: a thumbnail in IFD0, a tiny CFA raw in SubIFD 1, a JPEG preview in SubIFD 2 ----

type TagValue = { type: 1 | 2 | 3 | 4 | 7; values: number[] | Buffer | string };
type Ifd = Map<number, TagValue>;

const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 7: 1 };

export interface DngOptions {
  /** EXIF orientation of the RAW (IFD0), 1–8. */
  orientation?: number;
  make?: string;
  model?: string;
  /** Leave the JPEG preview out (a RAW Skiptag cannot show: only the tiny thumbnail is left). */
  withoutPreview?: boolean;
  /** DateTimeOriginal ("YYYY:MM:DD HH:MM:SS"), in IFD0 as some converters write it. */
  dateTimeOriginal?: string;
}

/**
 * A DNG as cameras and converters lay it out: IFD0 holds the camera's tags, orientation and a small RGB
 * thumbnail; its SubIFDs hold the raw sensor data (a tiny CFA here) and a full-size JPEG preview.
 */
export async function makeDng(previewJpeg: Buffer, options: DngOptions = {}): Promise<Buffer> {
  const meta = await sharp(previewJpeg).metadata();
  const thumb = await sharp(previewJpeg)
    .resize(96, 64, { fit: 'inside' })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = Buffer.alloc(32 * 24 * 2, 0x40);
  const ifd0: Ifd = new Map<number, TagValue>([
    [254, { type: 4, values: [1] }],
    [256, { type: 4, values: [thumb.info.width] }],
    [257, { type: 4, values: [thumb.info.height] }],
    [258, { type: 3, values: [8, 8, 8] }],
    [259, { type: 3, values: [1] }],
    [262, { type: 3, values: [2] }],
    [271, { type: 2, values: options.make ?? 'Skiptag' }],
    [272, { type: 2, values: options.model ?? 'Test Camera' }],
    [273, { type: 4, values: [0] }], // strip: filled in below
    [274, { type: 3, values: [options.orientation ?? 1] }],
    [277, { type: 3, values: [3] }],
    [278, { type: 4, values: [thumb.info.height] }],
    [279, { type: 4, values: [thumb.data.length] }],
    [284, { type: 3, values: [1] }],
    [50706, { type: 1, values: [1, 4, 0, 0] }],
    [50707, { type: 1, values: [1, 1, 0, 0] }],
    [50708, { type: 2, values: `${options.make ?? 'Skiptag'} ${options.model ?? 'Test Camera'}` }],
  ]);
  if (options.dateTimeOriginal !== undefined) {
    ifd0.set(36867, { type: 2, values: options.dateTimeOriginal });
  }
  const rawIfd: Ifd = new Map<number, TagValue>([
    [254, { type: 4, values: [0] }],
    [256, { type: 4, values: [32] }],
    [257, { type: 4, values: [24] }],
    [258, { type: 3, values: [16] }],
    [259, { type: 3, values: [1] }],
    [262, { type: 3, values: [32803] }],
    [273, { type: 4, values: [0] }],
    [277, { type: 3, values: [1] }],
    [278, { type: 4, values: [24] }],
    [279, { type: 4, values: [raw.length] }],
    [284, { type: 3, values: [1] }],
    [33421, { type: 3, values: [2, 2] }],
    [33422, { type: 1, values: [0, 1, 1, 2] }],
  ]);
  const previewIfd: Ifd = new Map<number, TagValue>([
    [254, { type: 4, values: [1] }],
    [256, { type: 4, values: [meta.width] }],
    [257, { type: 4, values: [meta.height] }],
    [258, { type: 3, values: [8, 8, 8] }],
    [259, { type: 3, values: [7] }],
    [262, { type: 3, values: [6] }],
    [273, { type: 4, values: [0] }],
    [277, { type: 3, values: [3] }],
    [278, { type: 4, values: [meta.height] }],
    [279, { type: 4, values: [previewJpeg.length] }],
    [284, { type: 3, values: [1] }],
  ]);
  const subIfds = options.withoutPreview ? [rawIfd] : [rawIfd, previewIfd];
  const strips = options.withoutPreview ? [thumb.data, raw] : [thumb.data, raw, previewJpeg];
  ifd0.set(330, { type: 4, values: subIfds.map(() => 0) });
  return layoutTiff([ifd0, ...subIfds], strips);
}

/** Lays out IFDs (the first is IFD0, the rest its SubIFDs) and one strip per IFD, little-endian. */
function layoutTiff(ifds: Ifd[], strips: Buffer[]): Buffer {
  const ifdSize = (ifd: Ifd) => 2 + ifd.size * 12 + 4;
  const extraSize = (ifd: Ifd) =>
    [...ifd.values()].reduce((sum, v) => {
      const bytes = valueBytes(v).length;
      return sum + (bytes > 4 ? bytes + (bytes & 1) : 0);
    }, 0);
  const ifdOffsets: number[] = [];
  let at = 8;
  for (const ifd of ifds) {
    ifdOffsets.push(at);
    at += ifdSize(ifd) + extraSize(ifd);
  }
  const stripOffsets: number[] = [];
  for (const strip of strips) {
    stripOffsets.push(at);
    at += strip.length + (strip.length & 1);
  }
  ifds.forEach((ifd, i) => ifd.set(273, { type: 4, values: [stripOffsets[i] ?? 0] }));
  ifds[0]?.set(330, { type: 4, values: ifdOffsets.slice(1) });

  const out = Buffer.alloc(at);
  out.write('II', 0, 'latin1');
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(ifdOffsets[0] ?? 8, 4);
  ifds.forEach((ifd, i) => {
    const start = ifdOffsets[i] ?? 0;
    let extra = start + ifdSize(ifd);
    const tags = [...ifd.entries()].sort(([a], [b]) => a - b);
    out.writeUInt16LE(tags.length, start);
    tags.forEach(([tag, value], n) => {
      const entry = start + 2 + n * 12;
      const bytes = valueBytes(value);
      out.writeUInt16LE(tag, entry);
      out.writeUInt16LE(value.type, entry + 2);
      out.writeUInt32LE(bytes.length / (TYPE_SIZE[value.type] ?? 1), entry + 4);
      if (bytes.length <= 4) bytes.copy(out, entry + 8);
      else {
        out.writeUInt32LE(extra, entry + 8);
        bytes.copy(out, extra);
        extra += bytes.length + (bytes.length & 1);
      }
    });
    out.writeUInt32LE(0, start + 2 + tags.length * 12);
  });
  strips.forEach((strip, i) => strip.copy(out, stripOffsets[i] ?? 0));
  return out;
}

function valueBytes({ type, values }: TagValue): Buffer {
  if (typeof values === 'string') return Buffer.from(`${values}\0`, 'latin1');
  if (Buffer.isBuffer(values)) return values;
  const size = TYPE_SIZE[type] ?? 1;
  const out = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    if (size === 1) out.writeUInt8(v, i);
    else if (size === 2) out.writeUInt16LE(v, i * 2);
    else out.writeUInt32LE(v, i * 4);
  });
  return out;
}
