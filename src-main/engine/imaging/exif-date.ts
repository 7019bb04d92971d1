// When a photo was taken, from its raw EXIF block (worker process): a bounds-checked TIFF reader for two tags, nothing more.

/** EXIF tags: the pointer to the Exif sub-IFD, the time the photo was taken, and when it was digitised. */
const EXIF_IFD_POINTER = 0x8769;
const DATE_TIME_ORIGINAL = 0x9003;
const DATE_TIME_DIGITIZED = 0x9004;
const ASCII = 2;
/** "YYYY:MM:DD HH:MM:SS" and its NUL. */
const DATE_LENGTH = 20;

/**
 * The capture time as "YYYY-MM-DDTHH:MM:SS" (the camera's wall clock: EXIF 2.2 has no time zone, and
 * sorting by the time shown on the camera is what people expect), from DateTimeOriginal, else
 * DateTimeDigitized. Never the IFD0 DateTime: that changes whenever an editor saves the file. Null when
 * the block has neither, or holds nonsense ("0000:00:00 00:00:00", truncated or looping IFDs). Sharp's
 * `metadata().exif` starts with "Exif\0\0"; a bare TIFF block is accepted too. Never throws: the block
 * comes from a user's file.
 */
export function exifDateTaken(exif: Uint8Array | undefined | null): string | null {
  if (!exif || exif.length < 14) return null;
  const start = latin1(exif, 0, 6) === 'Exif\0\0' ? 6 : 0;
  const tiff = new DataView(exif.buffer, exif.byteOffset + start, exif.byteLength - start);
  try {
    const order = latin1(exif, start, 2);
    if (order !== 'II' && order !== 'MM') return null;
    const little = order === 'II';
    if (tiff.getUint16(2, little) !== 42) return null;
    const ifd0 = readIfd(tiff, tiff.getUint32(4, little), little);
    const pointer = ifd0.get(EXIF_IFD_POINTER);
    if (pointer === undefined) return null;
    const exifIfd = readIfd(tiff, tiff.getUint32(pointer + 8, little), little);
    for (const tag of [DATE_TIME_ORIGINAL, DATE_TIME_DIGITIZED]) {
      const entry = exifIfd.get(tag);
      const date = entry === undefined ? null : readDate(tiff, entry, little);
      if (date !== null) return date;
    }
    return null;
  } catch {
    // A RangeError from a pointer past the end: a damaged block has no date.
    return null;
  }
}

/** Tag → byte offset of its 12-byte entry in `view`. */
function readIfd(view: DataView, offset: number, little: boolean): Map<number, number> {
  const entries = new Map<number, number>();
  if (offset < 8 || offset + 2 > view.byteLength) return entries;
  const count = view.getUint16(offset, little);
  for (let i = 0; i < count; i++) {
    const at = offset + 2 + i * 12;
    if (at + 12 > view.byteLength) break;
    entries.set(view.getUint16(at, little), at);
  }
  return entries;
}

function readDate(view: DataView, entry: number, little: boolean): string | null {
  if (view.getUint16(entry + 2, little) !== ASCII) return null;
  const count = view.getUint32(entry + 4, little);
  if (count < DATE_LENGTH - 1 || count > 64) return null;
  const offset = view.getUint32(entry + 8, little);
  if (offset + DATE_LENGTH - 1 > view.byteLength) return null;
  let text = '';
  for (let i = 0; i < DATE_LENGTH - 1; i++) text += String.fromCharCode(view.getUint8(offset + i));
  return parseExifDate(text);
}

/** "2010:06:06 12:27:25" → "2010-06-06T12:27:25"; null unless it is a real date and time. */
export function parseExifDate(text: string): string | null {
  const match = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1826 || year > 2200 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60)
    return null;
  // Day 31 of a 30-day month, February 30: Date would roll them over silently.
  if (day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return null;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(Math.min(second, 59))}`;
}

function latin1(bytes: Uint8Array, start: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(start, start + length));
}
