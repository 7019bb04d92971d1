// The ExifTool process Skiptag uses for keyword write-back and read-back (engine process).

import { ExifTool } from 'exiftool-vendored';

/**
 * One perl process: keyword writes are small and run one file at a time, and the machine's cores belong
 * to classification. Large TIFFs take a while to copy, hence the generous task timeout. The caller owns
 * the instance and must end() it, or the perl child outlives the run.
 */
export function openExifTool(): ExifTool {
  return new ExifTool({ maxProcs: 1, taskTimeoutMillis: 120_000, geolocation: false });
}

/** Runs fn with a fresh ExifTool (or the caller's, which is left running) and always ends its own. */
export async function withExifTool<T>(
  given: ExifTool | undefined,
  fn: (exiftool: ExifTool) => Promise<T>,
): Promise<T> {
  if (given !== undefined) return fn(given);
  const exiftool = openExifTool();
  try {
    return await fn(exiftool);
  } finally {
    await exiftool.end();
  }
}
