// Recognises image formats by content before any decoder sees them (engine process): those Skiptag refuses (SVG, non-images) and the camera formats it decodes its own way (HEIC/HEIF, camera RAW).

import { gunzipSync, constants as zlibConstants } from 'node:zlib';
import { FileError } from '../../shared/file-errors.js';

export type RefusedKind = 'svg' | 'not_image';

export interface Refusal {
  kind: RefusedKind;
  message: string;
}

/**
 * Extensions of camera RAW formats. Many are TIFF inside, which libvips would open as a tiny thumbnail or
 * noise, so they never go to libvips directly: their embedded preview is extracted first (raw-preview.ts).
 */
// prettier-ignore
const RAW_EXTENSIONS = new Set([
  '3fr', 'ari', 'arw', 'bay', 'cap', 'cr2', 'cr3', 'crw', 'dcr', 'dcs', 'dng', 'drf', 'eip', 'erf', 'fff',
  'gpr', 'iiq', 'k25', 'kdc', 'mdc', 'mef', 'mos', 'mrw', 'nef', 'nrw', 'orf', 'pef', 'ptx', 'r3d', 'raf',
  'raw', 'rw2', 'rwl', 'rwz', 'sr2', 'srf', 'srw', 'x3f',
]);

/** ISO-BMFF brands of HEVC-coded HEIF (Apple's HEIC and friends); libvips here only decodes AV1 (AVIF). */
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
/** Generic HEIF brands: the codec is only told by the compatible brands that follow. */
const GENERIC_HEIF_BRANDS = new Set(['mif1', 'msf1', 'mif2', 'miaf']);

/** How much of a gzip stream to inflate when looking for an SVG inside (enough for any real prolog). */
const SVG_SCAN_BYTES = 1024 * 1024;

/** Returns why the file is refused, or null when it should go to a decoder. */
export function sniffRefusal(bytes: Uint8Array, path: Buffer | string): Refusal | null {
  const byContent = refusalByContent(bytes);
  if (byContent) {
    return byContent;
  }
  const ext = extensionOf(path);
  if (ext === 'svg' || ext === 'svgz') {
    return svgRefusal();
  }
  return null;
}

/** A camera format that libvips cannot decode but Skiptag can: HEVC-coded HEIF, or a RAW file (by its kind). */
export type CameraFormat = { kind: 'heif' } | { kind: 'raw'; raw: string };

/**
 * HEIC/HEIF (HEVC) and camera RAW files, by content first and by extension for RAW formats without a
 * recognisable header (most are plain TIFF inside: DNG, NEF, ARW, PEF…). A real JPEG/PNG/GIF/WebP with a RAW
 * extension (a renamed export) is not RAW: libvips decodes it as what it is. Null for everything else.
 */
export function sniffCameraFormat(bytes: Uint8Array, path: Buffer | string): CameraFormat | null {
  const ext = extensionOf(path);
  const heif = heifBrandFamily(bytes);
  if (heif === 'heic') {
    return { kind: 'heif' };
  }
  if (heif === 'cr3') {
    return { kind: 'raw', raw: RAW_EXTENSIONS.has(ext) ? ext : 'cr3' };
  }
  const raw = tiffRawKind(bytes);
  if (raw) {
    return { kind: 'raw', raw: RAW_EXTENSIONS.has(ext) ? ext : raw };
  }
  if (startsWithAscii(bytes, 0, 'FUJIFILMCCD-RAW')) {
    return { kind: 'raw', raw: RAW_EXTENSIONS.has(ext) ? ext : 'raf' };
  }
  if (RAW_EXTENSIONS.has(ext) && !isCommonRasterMagic(bytes) && heif === null) {
    return { kind: 'raw', raw: ext };
  }
  return null;
}

/** Throws FileError('unsupported_format' | 'corrupt') for refused files. */
export function assertDecodable(bytes: Uint8Array, path: Buffer | string): void {
  const refusal = sniffRefusal(bytes, path);
  if (refusal) {
    throw new FileError(refusal.kind === 'not_image' ? 'corrupt' : 'unsupported_format', refusal.message);
  }
}

function refusalByContent(bytes: Uint8Array): Refusal | null {
  if (looksLikeSvg(bytes)) {
    return svgRefusal();
  }
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    // librsvg opens gzip-compressed SVG too, so gzip never reaches the decoder: it is either SVGZ or not an image.
    return looksLikeSvg(gunzipPrefix(bytes))
      ? svgRefusal()
      : { kind: 'not_image', message: 'not an image file (gzip-compressed data)' };
  }
  return null;
}

/** 'heic' for HEVC HEIF, 'cr3' for Canon RAW 3, 'other' for AVIF and non-image ISO-BMFF, null if not ISO-BMFF. */
function heifBrandFamily(bytes: Uint8Array): 'heic' | 'cr3' | 'other' | null {
  if (bytes.length < 12 || !startsWithAscii(bytes, 4, 'ftyp')) {
    return null;
  }
  const boxSize = readU32BE(bytes, 0);
  const end = Math.min(bytes.length, boxSize >= 16 ? boxSize : 16);
  const major = ascii(bytes, 8, 4);
  // Compatible brands follow the major brand and a 4-byte minor version.
  const brands = [major];
  for (let at = 16; at + 4 <= end; at += 4) {
    brands.push(ascii(bytes, at, 4));
  }
  if (major === 'crx ') {
    return 'cr3';
  }
  if (AVIF_BRANDS.has(major)) {
    return 'other';
  }
  if (HEIC_BRANDS.has(major)) {
    return 'heic';
  }
  if (GENERIC_HEIF_BRANDS.has(major)) {
    if (brands.some((b) => AVIF_BRANDS.has(b))) return 'other';
    // mif1 without an AV1 brand: HEVC in practice (and libheif here cannot decode anything else but AV1).
    return 'heic';
  }
  return 'other';
}

/** TIFF-structured RAW files recognisable by their header alone. */
function tiffRawKind(bytes: Uint8Array): string | null {
  if (bytes.length < 12) return null;
  if (startsWithAscii(bytes, 0, 'II*\0') && startsWithAscii(bytes, 8, 'CR')) return 'cr2';
  if (startsWithAscii(bytes, 0, 'IIRO') || startsWithAscii(bytes, 0, 'IIRS')) return 'orf';
  if (startsWithAscii(bytes, 0, 'IIU\0')) return 'rw2';
  return null;
}

function isCommonRasterMagic(bytes: Uint8Array): boolean {
  return (
    (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) || // JPEG
    startsWithAscii(bytes, 0, '\x89PNG') ||
    startsWithAscii(bytes, 0, 'GIF8') ||
    (startsWithAscii(bytes, 0, 'RIFF') && startsWithAscii(bytes, 8, 'WEBP'))
  );
}

/**
 * Whether the file is an SVG document: its root element, after whatever the XML prolog holds (declaration,
 * comments, processing instructions, a DOCTYPE with an internal subset), is `svg`. The prolog is skipped
 * structurally over the whole file rather than searched in a window, so padding (a long comment, blank
 * lines) cannot push the root out of sight and let an SVG pass as a broken photo.
 */
function looksLikeSvg(input: Uint8Array): boolean {
  const bytes = asUtf8ish(Buffer.from(input.buffer, input.byteOffset, input.byteLength));
  return xmlRootName(bytes)?.replace(/^[\w.-]+:/, '') === 'svg';
}

/** UTF-16 text (with a BOM, or NUL-interleaved ASCII) re-encoded as UTF-8; other bytes as they are. */
function asUtf8ish(bytes: Buffer): Buffer {
  const le = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0x3c && bytes[1] === 0);
  const be = (bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0 && bytes[1] === 0x3c);
  if (!le && !be) return bytes;
  // Enough for any prolog a real file has; the rest of a huge file is never looked at.
  const head = Buffer.from(bytes.subarray(0, Math.min(bytes.length, UTF16_SCAN_BYTES) & ~1));
  if (be) head.swap16();
  return Buffer.from(head.toString('utf16le'), 'utf8');
}

const UTF16_SCAN_BYTES = 16 * 1024 * 1024;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Lower-case name of the first element of an XML document, or null when the bytes are not XML-like. */
function xmlRootName(bytes: Buffer): string | null {
  let at = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (;;) {
    while (WHITESPACE.has(bytes[at] ?? -1)) at++;
    if (bytes[at] !== 0x3c) return null; // '<'
    if (bytes[at + 1] === 0x3f) {
      at = after(bytes, '?>', at + 2); // <?xml …?>, other processing instructions
    } else if (startsWithAscii(bytes, at, '<!--')) {
      at = after(bytes, '-->', at + 4);
    } else if (bytes[at + 1] === 0x21) {
      at = afterDoctype(bytes, at + 2); // <!DOCTYPE … [ internal subset ] >
    } else {
      const name = /^[A-Za-z_][\w.:-]*/.exec(bytes.toString('latin1', at + 1, at + 129))?.[0];
      return name === undefined ? null : name.toLowerCase();
    }
    if (at < 0) return null;
  }
}

function after(bytes: Buffer, marker: string, from: number): number {
  const found = bytes.indexOf(marker, from, 'latin1');
  return found < 0 ? -1 : found + marker.length;
}

function afterDoctype(bytes: Buffer, from: number): number {
  const close = bytes.indexOf('>', from, 'latin1');
  const open = bytes.indexOf('[', from, 'latin1');
  if (close < 0) return -1;
  if (open < 0 || open > close) return close + 1;
  const end = bytes.indexOf(']', open, 'latin1');
  return end < 0 ? -1 : after(bytes, '>', end);
}

function gunzipPrefix(bytes: Uint8Array): Uint8Array {
  try {
    // Sync flush: a prefix of the stream inflates without complaining about the missing end.
    return gunzipSync(bytes.subarray(0, SVG_SCAN_BYTES), {
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
      maxOutputLength: SVG_SCAN_BYTES,
    });
  } catch {
    return new Uint8Array(0);
  }
}

function svgRefusal(): Refusal {
  return { kind: 'svg', message: 'SVG vector graphics are not photos; export a PNG or JPEG to tag it' };
}

/** Lower-case extension without the dot, '' if none; works on raw (non-UTF-8) Buffer paths. */
export function extensionOf(path: Buffer | string): string {
  const text = typeof path === 'string' ? path : path.toString('latin1');
  const base = text.slice(Math.max(text.lastIndexOf('/'), text.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot + 1).toLowerCase();
}

function startsWithAscii(bytes: Uint8Array, at: number, text: string): boolean {
  if (bytes.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (bytes[at + i] !== text.charCodeAt(i)) return false;
  }
  return true;
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

function readU32BE(bytes: Uint8Array, at: number): number {
  return (
    (((bytes[at] ?? 0) << 24) |
      ((bytes[at + 1] ?? 0) << 16) |
      ((bytes[at + 2] ?? 0) << 8) |
      (bytes[at + 3] ?? 0)) >>>
    0
  );
}
