// Camera RAW files through their embedded JPEG preview (worker process): exiftool finds and extracts the largest usable one, upright by the RAW's orientation.

import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ExifTool } from 'exiftool-vendored';
import sharp from 'sharp';
import { FileError } from '../../shared/file-errors.js';
import { applyDecoderPolicy } from './decoder-policy.js';
import { parseExifDate } from './exif-date.js';
import { startExifTool } from '../xmp/exiftool-process.js';

/**
 * Previews whose shorter side is below this are not used: the 160×120 EXIF thumbnails every RAW carries
 * would give a blurred guess and a useless picture. Real previews are 1,000 px and more (full size for most
 * cameras since about 2010).
 */
export const MIN_PREVIEW_SHORT_SIDE = 200;

/** Where cameras and converters put JPEG previews, as exiftool names them. */
const PREVIEW_TAGS = ['JpgFromRaw', 'PreviewImage', 'OtherImage', 'ThumbnailImage'];

export interface RawPreview {
  /** The preview JPEG, its own EXIF replaced by one carrying the RAW file's orientation. */
  jpeg: Buffer;
  /** Size of the preview after that orientation. */
  width: number;
  height: number;
  /** When the RAW file says it was taken ("YYYY-MM-DDTHH:MM:SS"): the preview's own EXIF is replaced. */
  takenAt: string | null;
}

/** A promise so that two RAW files decoded side by side share the one being started. */
let reader: Promise<ExifTool> | null = null;

/** One exiftool (perl) process per worker, started at the first RAW file, ended with the worker. */
function exiftool(): Promise<ExifTool> {
  // Ends with the worker, also when the worker crashes (see startExifTool).
  reader ??= startExifTool({
    maxProcs: 1,
    taskTimeoutMillis: 60_000,
    geolocation: false,
    // A worker that has seen no RAW file for a while gives the perl process back.
    maxIdleMsPerProcess: 60_000,
  });
  return reader;
}

/** Ends the exiftool process (worker shutdown); a later RAW file starts a new one. */
export async function closeRawPreviewReader(): Promise<void> {
  const open = reader;
  reader = null;
  await (await open?.catch(() => null))?.end().catch(() => undefined);
}

/**
 * The largest embedded JPEG preview of the RAW file that decodes and is at least MIN_PREVIEW_SHORT_SIDE on
 * its shorter side. `bytes` are the file's content as already read: exiftool reads a copy of them when the
 * path cannot be handed to it as text (not UTF-8, or with line breaks). Throws FileError: raw_no_preview when
 * there is none, corrupt when exiftool cannot parse the file at all.
 */
export async function extractRawPreview(file: Buffer | string, bytes: Uint8Array): Promise<RawPreview> {
  return withReadablePath(file, bytes, async (target) => {
    // First only where the previews lie: most RAW files are TIFF inside and exiftool gives their offsets,
    // so the bytes already in memory are sliced (no multi-MB base64 through exiftool's JSON).
    const located = await readTags(target, [
      '-Orientation',
      '-DateTimeOriginal',
      ...PREVIEW_TAGS.flatMap(offsetTags),
    ]);
    const orientation = rawOrientation(located);
    const takenAt = rawDateTaken(located);
    const rejected: string[] = [];
    const sliced = await pickPreview(locatedPreviews(located, bytes), rejected);
    if (sliced !== null) return { ...upright(sliced, orientation), takenAt };
    // Else exiftool extracts them (CR3, RAF and other containers without plain offsets); -G1 keeps same-named
    // previews of different directories apart.
    const tags = await readTags(target, ['-b', ...PREVIEW_TAGS.map((t) => `-${t}`)]);
    const candidates = Object.entries(tags)
      .filter(([key, value]) => PREVIEW_TAGS.includes(tagName(key)) && typeof value === 'string')
      .map(([key, value]) => ({ key, jpeg: base64Value(value as string) }))
      .filter((c): c is Candidate => c.jpeg !== null);
    rejected.length = 0;
    const extracted = await pickPreview(candidates, rejected);
    if (extracted !== null) return { ...upright(extracted, orientation), takenAt };
    const unreadable = readErrors(tags, target);
    if (candidates.length === 0 && unreadable !== null) {
      throw new FileError('corrupt', `camera RAW file could not be read (${unreadable})`);
    }
    throw new FileError(
      'raw_no_preview',
      candidates.length === 0
        ? 'camera RAW file without an embedded JPEG preview; Skiptag tags RAW files by their preview'
        : `camera RAW file without a usable JPEG preview (${rejected.join('; ')})`,
    );
  });
}

interface Candidate {
  key: string;
  jpeg: Buffer;
}

async function readTags(target: string, args: string[]): Promise<Record<string, unknown>> {
  try {
    return await (await exiftool()).readRaw(target, { readArgs: ['-a', '-G1', '-n', ...args] });
  } catch (error) {
    throw new FileError('corrupt', `camera RAW file could not be read (${describe(error)})`, {
      cause: error,
    });
  }
}

/** exiftool's names for where a preview starts and how long it is (ThumbnailImage: ThumbnailOffset). */
function offsetTags(tag: string): string[] {
  return tag === 'ThumbnailImage'
    ? ['-ThumbnailOffset', '-ThumbnailLength']
    : [`-${tag}Start`, `-${tag}Length`];
}

function tagName(key: string): string {
  return key.split(':').at(-1) ?? '';
}

/** Previews cut from the file's bytes by the offsets exiftool gave (each group's Start with its Length). */
function locatedPreviews(tags: Record<string, unknown>, bytes: Uint8Array): Candidate[] {
  const out: Candidate[] = [];
  for (const [key, value] of Object.entries(tags)) {
    const match = /^(.*:)?(\w+?)(Start|Offset)$/.exec(key);
    if (!match) continue;
    const length = Number(tags[`${match[1] ?? ''}${match[2] ?? ''}Length`]);
    const start = Number(value);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length <= 0) continue;
    if (start + length > bytes.length) continue;
    out.push({
      key: `${match[1] ?? ''}${match[2] === 'Thumbnail' ? 'ThumbnailImage' : match[2]}`,
      jpeg: Buffer.from(bytes.buffer, bytes.byteOffset + start, length),
    });
  }
  return out;
}

/** The largest candidate that decodes and is big enough; why the others were not taken goes to `rejected`. */
async function pickPreview(
  candidates: Candidate[],
  rejected: string[],
): Promise<{ jpeg: Buffer; width: number; height: number } | null> {
  for (const { key, jpeg } of [...candidates].sort((a, b) => b.jpeg.length - a.jpeg.length)) {
    const size = await jpegSize(jpeg);
    if (size === null) {
      rejected.push(`${key} does not decode`);
    } else if (Math.min(size.width, size.height) < MIN_PREVIEW_SHORT_SIDE) {
      rejected.push(`${key} is only ${size.width}×${size.height}`);
    } else {
      return { jpeg, ...size };
    }
  }
  return null;
}

function upright(
  preview: { jpeg: Buffer; width: number; height: number },
  orientation: number,
): Omit<RawPreview, 'takenAt'> {
  const swap = orientation >= 5;
  return {
    jpeg: withOrientation(preview.jpeg, orientation),
    width: swap ? preview.height : preview.width,
    height: swap ? preview.width : preview.height,
  };
}

/** The first DateTimeOriginal exiftool found (ExifIFD's, in the RAW files seen), if it is a real date. */
function rawDateTaken(tags: Record<string, unknown>): string | null {
  const value = Object.entries(tags).find(([k]) => k.endsWith(':DateTimeOriginal'))?.[1];
  return typeof value === 'string' ? parseExifDate(value) : null;
}

/** IFD0's orientation (the RAW file's own), else the first one found; 1 when absent or out of range. */
function rawOrientation(tags: Record<string, unknown>): number {
  const value =
    tags['IFD0:Orientation'] ?? Object.entries(tags).find(([k]) => k.endsWith(':Orientation'))?.[1];
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 8 ? n : 1;
}

/** exiftool's complaint about a file it could not parse ("File format error"), without its path; or null. */
function readErrors(tags: Record<string, unknown>, target: string): string | null {
  const errors = Array.isArray(tags['errors']) ? (tags['errors'] as unknown[]) : [];
  const first = errors.find((e): e is string => typeof e === 'string');
  if (first === undefined) return null;
  return first
    .replace(/^Error:\s*/, '')
    .replace(` - ${target}`, '')
    .slice(0, 200);
}

function base64Value(value: string): Buffer | null {
  return value.startsWith('base64:') ? Buffer.from(value.slice(7), 'base64') : null;
}

/** Size of a baseline or progressive JPEG libvips can decode; null for anything else (lossless JPEG, TIFF). */
async function jpegSize(jpeg: Buffer): Promise<{ width: number; height: number } | null> {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return null;
  applyDecoderPolicy();
  try {
    // Decoding a few rows proves the entropy data is there, not just a header.
    const meta = await sharp(jpeg, { failOn: 'error' }).metadata();
    if (meta.format !== 'jpeg' || !meta.width || !meta.height) return null;
    await sharp(jpeg, { failOn: 'error' }).resize(8, 8, { fit: 'inside' }).raw().toBuffer();
    return { width: meta.width, height: meta.height };
  } catch {
    return null;
  }
}

const APP1 = 0xe1;
const SOS = 0xda;

/**
 * The JPEG with its EXIF segments removed and one EXIF segment holding only `orientation` put first. A
 * preview is stored as the sensor saw it; the RAW's orientation is what turns it (the preview's own EXIF,
 * where a camera writes one, may say anything). The entropy-coded data is not touched.
 */
export function withOrientation(jpeg: Buffer, orientation: number): Buffer {
  const segments: Buffer[] = [jpeg.subarray(0, 2), exifSegment(orientation)];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1] ?? 0;
    if (marker === SOS || marker === 0xd9) break;
    const length = jpeg.readUInt16BE(at + 2);
    const isExif = marker === APP1 && jpeg.toString('latin1', at + 4, at + 10) === 'Exif\0\0';
    if (!isExif) segments.push(jpeg.subarray(at, at + 2 + length));
    at += 2 + length;
  }
  segments.push(jpeg.subarray(at));
  return Buffer.concat(segments);
}

/** APP1 "Exif" with a big-endian TIFF holding IFD0 { Orientation }. */
function exifSegment(orientation: number): Buffer {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4);
  tiff.writeUInt16BE(1, 8);
  tiff.writeUInt16BE(274, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14);
  tiff.writeUInt16BE(orientation, 18);
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.from([0xff, APP1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

/**
 * exiftool takes file names as UTF-8 text without line breaks. Other names (any byte is legal on Linux) are
 * read from a private temporary copy of the bytes already in memory.
 */
async function withReadablePath<T>(
  file: Buffer | string,
  bytes: Uint8Array,
  fn: (target: string) => Promise<T>,
): Promise<T> {
  const text = typeof file === 'string' ? file : file.toString('utf8');
  const exact = typeof file === 'string' || Buffer.from(text, 'utf8').equals(file);
  if (exact && !/[\r\n\0]/.test(text) && !text.startsWith('-')) return fn(text);
  const dir = path.join(os.tmpdir(), `skiptag-raw-${process.pid}-${randomBytes(6).toString('hex')}`);
  const copy = path.join(dir, `photo${path.extname(text).replace(/[^.\w]/g, '')}`);
  try {
    await mkdir(dir, { mode: 0o700 });
    await writeFile(copy, bytes, { flag: 'wx' });
    return await fn(copy);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0]?.slice(0, 200) ?? text;
}
