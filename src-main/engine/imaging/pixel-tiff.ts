// A baseline TIFF around raw 8-bit pixels (worker process): how decoded HEIC pixels reach sharp with their ICC profile.

/**
 * sharp takes raw pixels but cannot be told their colour profile; a TIFF carries one (tag 34675), so a
 * Display P3 photo goes through the very same sRGB conversion as a P3 JPEG. Uncompressed, one strip:
 * libtiff reads it at memory speed.
 */
export function uncompressedTiff(
  width: number,
  height: number,
  channels: 3 | 4,
  icc: Buffer | null,
): { tiff: Buffer; pixelsAt: number } {
  const entries: [tag: number, type: number, count: number, value: number][] = [];
  const iccBytes = icc?.length ?? 0;
  const tagCount = 11 + (channels === 4 ? 1 : 0) + (iccBytes > 0 ? 1 : 0);
  const ifdSize = 2 + tagCount * 12 + 4;
  const bitsAt = 8 + ifdSize;
  const iccAt = bitsAt + channels * 2;
  const pixelsAt = iccAt + iccBytes + (iccBytes & 1);
  const pixelBytes = width * height * channels;
  const SHORT = 3;
  const LONG = 4;
  const UNDEFINED = 7;
  entries.push(
    [256, LONG, 1, width],
    [257, LONG, 1, height],
    [258, SHORT, channels, bitsAt],
    [259, SHORT, 1, 1], // no compression
    [262, SHORT, 1, 2], // RGB
    [273, LONG, 1, pixelsAt],
    [274, SHORT, 1, 1], // upright: libheif has already applied the file's rotation
    [277, SHORT, 1, channels],
    [278, LONG, 1, height],
    [279, LONG, 1, pixelBytes],
    [284, SHORT, 1, 1], // interleaved
  );
  if (channels === 4) entries.push([338, SHORT, 1, 2]); // unassociated alpha
  if (iccBytes > 0) entries.push([34675, UNDEFINED, iccBytes, iccAt]);

  // Every pixel byte is written by the caller; only the header needs clearing.
  const tiff = Buffer.allocUnsafe(pixelsAt + pixelBytes).fill(0, 0, pixelsAt);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  tiff.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    tiff.writeUInt16LE(tag, at);
    tiff.writeUInt16LE(type, at + 2);
    tiff.writeUInt32LE(count, at + 4);
    // A single SHORT sits left-justified in the value field; everything larger is an offset.
    if (type === SHORT && count === 1) tiff.writeUInt16LE(value, at + 8);
    else tiff.writeUInt32LE(value, at + 8);
  });
  tiff.writeUInt32LE(0, 10 + entries.length * 12);
  for (let c = 0; c < channels; c++) tiff.writeUInt16LE(8, bitsAt + c * 2);
  icc?.copy(tiff, iccAt);
  return { tiff, pixelsAt };
}
