// HEIC/HEIF decoding with libheif compiled to WebAssembly (worker process): the primary image or its thumbnail item, as an uncompressed TIFF sharp reads.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FileError } from '../../shared/file-errors.js';
import { pixelLimitError } from './decoder-policy.js';
import { exifDateTaken } from './exif-date.js';
import { uncompressedTiff } from './pixel-tiff.js';

/**
 * The few libheif C functions Skiptag calls. Emscripten returns `struct heif_error` through a pointer passed
 * first; pointers and sizes are 32-bit wasm addresses.
 */
interface LibheifModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _heif_context_alloc(): number;
  _heif_context_free(context: number): void;
  _heif_context_read_from_memory_without_copy(
    error: number,
    context: number,
    data: number,
    size: number,
    options: number,
  ): void;
  _heif_context_get_primary_image_handle(error: number, context: number, handleOut: number): void;
  _heif_image_handle_get_width(handle: number): number;
  _heif_image_handle_get_height(handle: number): number;
  _heif_image_handle_has_alpha_channel(handle: number): number;
  _heif_image_handle_get_number_of_thumbnails(handle: number): number;
  _heif_image_handle_get_list_of_thumbnail_IDs(handle: number, ids: number, count: number): number;
  _heif_image_handle_get_thumbnail(error: number, handle: number, id: number, handleOut: number): void;
  _heif_image_handle_get_raw_color_profile_size(handle: number): number;
  _heif_image_handle_get_raw_color_profile(error: number, handle: number, out: number): void;
  _heif_image_handle_release(handle: number): void;
  _heif_decode_image(
    error: number,
    handle: number,
    imageOut: number,
    colorspace: number,
    chroma: number,
    options: number,
  ): void;
  _heif_image_get_plane_readonly2(image: number, channel: number, strideOut: number): number;
  _heif_image_get_width(image: number, channel: number): number;
  _heif_image_get_height(image: number, channel: number): number;
  _heif_image_release(image: number): void;
  _heif_image_handle_get_number_of_metadata_blocks(handle: number, typeFilter: number): number;
  _heif_image_handle_get_list_of_metadata_block_IDs(
    handle: number,
    typeFilter: number,
    ids: number,
    count: number,
  ): number;
  _heif_image_handle_get_metadata_size(handle: number, id: number): number;
  _heif_image_handle_get_metadata(error: number, handle: number, id: number, out: number): void;
}

const COLORSPACE_RGB = 1;
const CHROMA_INTERLEAVED_RGB = 10;
const CHROMA_INTERLEAVED_RGBA = 11;
const CHANNEL_INTERLEAVED = 10;
const SUBERROR_SECURITY_LIMIT = 1000;

/**
 * wasm memory only ever grows. After a decode that left the heap above this, the module is dropped and the
 * next HEIC gets a fresh one, so one huge photo does not pin hundreds of MB in the worker for good.
 */
const RETAINED_HEAP_BYTES = 256 * 1024 * 1024;

let loading: Promise<LibheifModule> | null = null;

function libheif(): Promise<LibheifModule> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    // The wasm build (1.4 MB) rather than libheif-js's default asm.js one: several times faster.
    const factory = require('libheif-js/libheif-wasm/libheif.js') as (options: {
      wasmBinary: Uint8Array;
    }) => Promise<LibheifModule>;
    const wasmBinary = readFileSync(require.resolve('libheif-js/libheif-wasm/libheif.wasm'));
    return factory({ wasmBinary });
  })();
  loading.catch(() => {
    loading = null;
  });
  return loading;
}

export interface HeifDecodeOptions {
  /** Primary images larger than this (width × height) fail with too_large before any pixel is decoded. */
  maxPixels: number;
  /**
   * Whether an embedded thumbnail of this size (after its rotation) is enough for the caller; the largest
   * one that is gets decoded instead of the primary image. Absent: always the primary image.
   */
  thumbnailSuffices?: (width: number, height: number) => boolean;
}

export interface DecodedHeif {
  /** Uncompressed 8-bit RGB(A) TIFF of the decoded image, with the file's ICC profile, upright. */
  tiff: Buffer;
  /** Size of the primary image, upright (libheif applies the file's rotation and mirroring). */
  width: number;
  height: number;
  /** Whether `tiff` holds the thumbnail item rather than the primary image. */
  fromThumbnail: boolean;
  /** When it was taken, from the file's Exif item ("YYYY-MM-DDTHH:MM:SS"); null when it does not say. */
  takenAt: string | null;
}

/**
 * Decodes the primary image of a HEIF file (bursts and collections: the one the file marks primary; image
 * sequences with a still: that still), or a thumbnail when the caller says one suffices. Synchronous inside
 * the wasm module once it is loaded. Throws FileError: heif_corrupt for damaged or undecodable files,
 * too_large over the pixel limit.
 */
export async function decodeHeif(bytes: Uint8Array, options: HeifDecodeOptions): Promise<DecodedHeif> {
  const heif = await libheif();
  let dropModule = false;
  const scratch = heif._malloc(32);
  const input = heif._malloc(bytes.length);
  const context = heif._heif_context_alloc();
  const handles: number[] = [];
  let image = 0;
  try {
    if (scratch === 0 || input === 0 || context === 0) throw new FileError('internal', 'out of memory');
    heif.HEAPU8.set(bytes, input);
    const errorAt = scratch;
    const out = scratch + 16;
    const check = (what: string) => {
      const failure = readError(heif, errorAt);
      if (failure) throw heifError(what, failure);
    };
    heif._heif_context_read_from_memory_without_copy(errorAt, context, input, bytes.length, 0);
    check('reading the file');
    heif._heif_context_get_primary_image_handle(errorAt, context, out);
    check('finding the primary image');
    const primary = u32(heif, out);
    handles.push(primary);
    const width = heif._heif_image_handle_get_width(primary);
    const height = heif._heif_image_handle_get_height(primary);
    if (width * height > options.maxPixels) throw pixelLimitError(width, height, options.maxPixels);

    const thumbnail = options.thumbnailSuffices
      ? pickThumbnail(heif, primary, out, errorAt, options.thumbnailSuffices, handles)
      : 0;
    const chosen = thumbnail || primary;
    const alpha = heif._heif_image_handle_has_alpha_channel(chosen) !== 0;
    heif._heif_decode_image(
      errorAt,
      chosen,
      out,
      COLORSPACE_RGB,
      alpha ? CHROMA_INTERLEAVED_RGBA : CHROMA_INTERLEAVED_RGB,
      0,
    );
    check('decoding the image');
    image = u32(heif, out);
    const tiff = toTiff(heif, image, alpha ? 4 : 3, iccProfile(heif, chosen, errorAt));
    const takenAt = exifDateOf(heif, primary, errorAt);
    return { tiff, width, height, fromThumbnail: thumbnail !== 0, takenAt };
  } catch (error) {
    // An abort inside the module (out of memory, a trap) leaves it unusable: start afresh next time.
    if (!(error instanceof FileError)) {
      dropModule = true;
      throw new FileError('heif_corrupt', `HEIC/HEIF image could not be decoded (${describe(error)})`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    if (!dropModule) {
      if (image) heif._heif_image_release(image);
      for (const handle of handles) heif._heif_image_handle_release(handle);
      if (context) heif._heif_context_free(context);
      if (input) heif._free(input);
      if (scratch) heif._free(scratch);
    }
    if (dropModule || heif.HEAPU8.length > RETAINED_HEAP_BYTES) loading = null;
  }
}

/** Exif items bigger than this are not a camera's (they hold a few kB); nothing to read a date from. */
const MAX_EXIF_ITEM_BYTES = 1 << 20;

/**
 * The capture time from the image's Exif item: a 4-byte big-endian offset to the TIFF header, then the
 * block. A missing or damaged item is no reason to fail the photo: null.
 */
function exifDateOf(heif: LibheifModule, handle: number, errorAt: number): string | null {
  const filter = heif._malloc(8);
  if (filter === 0) return null;
  let ids = 0;
  try {
    heif.HEAPU8.set([0x45, 0x78, 0x69, 0x66, 0], filter); // "Exif"
    const count = Math.min(heif._heif_image_handle_get_number_of_metadata_blocks(handle, filter), 8);
    if (count <= 0) return null;
    ids = heif._malloc(count * 4);
    if (ids === 0) return null;
    heif._heif_image_handle_get_list_of_metadata_block_IDs(handle, filter, ids, count);
    for (let i = 0; i < count; i++) {
      const id = u32(heif, ids + i * 4);
      const size = heif._heif_image_handle_get_metadata_size(handle, id);
      if (size < 8 || size > MAX_EXIF_ITEM_BYTES) continue;
      const data = heif._malloc(size);
      if (data === 0) continue;
      try {
        heif._heif_image_handle_get_metadata(errorAt, handle, id, data);
        if (readError(heif, errorAt)) continue;
        const item = heif.HEAPU8.slice(data, data + size);
        const start = 4 + new DataView(item.buffer).getUint32(0, false);
        if (start >= item.length) continue;
        const date = exifDateTaken(item.subarray(start));
        if (date !== null) return date;
      } finally {
        heif._free(data);
      }
    }
    return null;
  } finally {
    if (ids) heif._free(ids);
    heif._free(filter);
  }
}

/** The largest thumbnail the caller accepts, or 0. Handles it opens are added to `handles` for release. */
function pickThumbnail(
  heif: LibheifModule,
  primary: number,
  out: number,
  errorAt: number,
  suffices: (width: number, height: number) => boolean,
  handles: number[],
): number {
  const count = Math.min(heif._heif_image_handle_get_number_of_thumbnails(primary), 16);
  if (count === 0) return 0;
  const ids = heif._malloc(count * 4);
  let best = 0;
  let bestPixels = 0;
  try {
    heif._heif_image_handle_get_list_of_thumbnail_IDs(primary, ids, count);
    for (let i = 0; i < count; i++) {
      heif._heif_image_handle_get_thumbnail(errorAt, primary, u32(heif, ids + i * 4), out);
      // A broken thumbnail is no reason to fail: the primary image is still there.
      if (readError(heif, errorAt)) continue;
      const handle = u32(heif, out);
      handles.push(handle);
      const w = heif._heif_image_handle_get_width(handle);
      const h = heif._heif_image_handle_get_height(handle);
      if (suffices(w, h) && w * h > bestPixels) {
        best = handle;
        bestPixels = w * h;
      }
    }
  } finally {
    heif._free(ids);
  }
  return best;
}

/** The ICC profile of an image item (Apple stores Display P3 this way), or null for nclx/none. */
function iccProfile(heif: LibheifModule, handle: number, errorAt: number): Buffer | null {
  const size = heif._heif_image_handle_get_raw_color_profile_size(handle);
  if (size <= 0 || size > 4 * 1024 * 1024) return null;
  const at = heif._malloc(size);
  try {
    heif._heif_image_handle_get_raw_color_profile(errorAt, handle, at);
    if (readError(heif, errorAt)) return null;
    return Buffer.from(heif.HEAPU8.subarray(at, at + size));
  } finally {
    heif._free(at);
  }
}

/** Copies the decoded interleaved plane, row by row (libheif pads rows), straight into a TIFF. */
function toTiff(heif: LibheifModule, image: number, channels: 3 | 4, icc: Buffer | null): Buffer {
  const width = heif._heif_image_get_width(image, CHANNEL_INTERLEAVED);
  const height = heif._heif_image_get_height(image, CHANNEL_INTERLEAVED);
  const strideAt = heif._malloc(4);
  try {
    const plane = heif._heif_image_get_plane_readonly2(image, CHANNEL_INTERLEAVED, strideAt);
    const stride = u32(heif, strideAt);
    if (plane === 0 || width <= 0 || height <= 0 || stride < width * channels) {
      throw new FileError('heif_corrupt', 'HEIC/HEIF image decoded to no pixels');
    }
    const { tiff, pixelsAt } = uncompressedTiff(width, height, channels, icc);
    const row = width * channels;
    const heap = heif.HEAPU8;
    for (let y = 0; y < height; y++) {
      tiff.set(heap.subarray(plane + y * stride, plane + y * stride + row), pixelsAt + y * row);
    }
    return tiff;
  } finally {
    heif._free(strideAt);
  }
}

interface HeifFailure {
  code: number;
  subcode: number;
  message: string;
}

function readError(heif: LibheifModule, at: number): HeifFailure | null {
  const code = u32(heif, at);
  if (code === 0) return null;
  return { code, subcode: u32(heif, at + 4), message: cString(heif, u32(heif, at + 8)) };
}

function heifError(what: string, failure: HeifFailure): FileError {
  if (failure.subcode === SUBERROR_SECURITY_LIMIT) {
    return new FileError('too_large', `HEIC/HEIF image exceeds a decoder limit (${failure.message})`);
  }
  return new FileError('heif_corrupt', `HEIC/HEIF: ${what} failed (${failure.message || failure.code})`);
}

function u32(heif: LibheifModule, at: number): number {
  const heap = heif.HEAPU8;
  return (
    ((heap[at] ?? 0) |
      ((heap[at + 1] ?? 0) << 8) |
      ((heap[at + 2] ?? 0) << 16) |
      ((heap[at + 3] ?? 0) << 24)) >>>
    0
  );
}

function cString(heif: LibheifModule, at: number): string {
  if (at === 0) return '';
  const heap = heif.HEAPU8;
  let end = at;
  while (end < heap.length && heap[end] !== 0 && end - at < 1000) end++;
  return Buffer.from(heap.subarray(at, end)).toString('utf8');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
