// Whether a PNG may hold keywords (engine, worker process): its text chunks named for XMP or IPTC, wherever they sit in the file.

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TEXT_CHUNKS = new Set(['tEXt', 'zTXt', 'iTXt']);
/** Longest PNG keyword (1-79 bytes) plus its NUL terminator. */
const KEYWORD_BYTES = 80;

/**
 * Keywords reach a PNG as XMP (an iTXt chunk named XML:com.adobe.xmp, or ImageMagick's "Raw profile type
 * xmp" text) or as IPTC ("Raw profile type iptc" / "8bim" / "APP1" text, which exiftool reads). libvips
 * reports only the text chunks before the image data, and tools write them after it too (measured: XMP and
 * IPTC appended after IDAT are read by exiftool and invisible to sharp), so the chunk list is walked here,
 * header by header, without reading any pixel data: a few microseconds for a whole file.
 *
 * true: a chunk named for XMP or IPTC is present, or the chunk list is damaged (then exiftool decides);
 * false: the whole list up to IEND was seen and none is.
 */
export function pngMayHoldKeywords(bytes: Uint8Array): boolean {
  const file = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (file.length < SIGNATURE.length || !file.subarray(0, SIGNATURE.length).equals(SIGNATURE)) return true;
  let at = SIGNATURE.length;
  while (at + 8 <= file.length) {
    const length = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    const dataStart = at + 8;
    if (length > 0x7fffffff || dataStart + length + 4 > file.length) return true;
    if (type === 'IEND') return false;
    if (
      TEXT_CHUNKS.has(type) &&
      namesMetadata(file.subarray(dataStart, dataStart + Math.min(length, KEYWORD_BYTES)))
    )
      return true;
    at = dataStart + length + 4;
  }
  // Ended without IEND: a truncated file, whose decode fails anyway; say "may" rather than guess.
  return true;
}

/** Raw profiles that hold neither XMP nor IPTC: camera EXIF and colour profiles, common in converted photos. */
const PROFILES_WITHOUT_KEYWORDS = new Set([
  'raw profile type exif',
  'raw profile type icc',
  'raw profile type icm',
]);

/** The keyword of a text chunk (up to its NUL) names XMP or a raw profile that may hold XMP or IPTC. */
function namesMetadata(head: Buffer): boolean {
  const end = head.indexOf(0);
  const keyword = head.toString('latin1', 0, end === -1 ? head.length : end).toLowerCase();
  if (keyword === 'xml:com.adobe.xmp') return true;
  return keyword.startsWith('raw profile type') && !PROFILES_WITHOUT_KEYWORDS.has(keyword);
}
