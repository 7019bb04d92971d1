// Keyword fields of XMP and IPTC metadata (engine process): their names, hierarchy spellings, and the ExifTool process that reads and writes them.

import { startExifTool } from './exiftool-process.js';
import type { ExifTool } from 'exiftool-vendored';

/** Root of the keyword hierarchy Skiptag writes: 'Skiptag|animal|cat|tabby'. */
export const HIERARCHY_ROOT = 'Skiptag';

/** The keyword fields as they are (or will be) in one file, in their stored order. */
export interface KeywordFields {
  /** XMP-dc:Subject: plain keywords, what every tool reads. */
  subject: string[];
  /** XMP-lr:HierarchicalSubject (Lightroom, darktable): paths separated by '|'. */
  hierarchical: string[];
  /** XMP-digiKam:TagsList (digiKam): paths separated by '/'. */
  tagsList: string[];
  /** IPTC:Keywords (IIM; JPEG and TIFF only). */
  iptc: string[];
}

export const EXIFTOOL_FIELDS = {
  subject: 'XMP-dc:Subject',
  hierarchical: 'XMP-lr:HierarchicalSubject',
  tagsList: 'XMP-digiKam:TagsList',
  iptc: 'IPTC:Keywords',
} as const satisfies Record<keyof KeywordFields, string>;

export const FIELD_NAMES = Object.keys(EXIFTOOL_FIELDS) as (keyof KeywordFields)[];

export function emptyFields(): KeywordFields {
  return { subject: [], hierarchical: [], tagsList: [], iptc: [] };
}

/** 'Skiptag|animal|cat' → 'Skiptag/animal/cat' (digiKam's spelling of the same path). */
export function toTagsListPath(path: string): string {
  return path.split('|').join('/');
}

export function fromTagsListPath(path: string): string {
  return path.split('/').join('|');
}

/** Whether a '|' path lies in Skiptag's own branch of the keyword tree. */
export function isSkiptagPath(path: string): boolean {
  return path === HIERARCHY_ROOT || path.startsWith(`${HIERARCHY_ROOT}|`);
}

/** The keyword a path names: its last component. */
export function leafOf(path: string, separator: '|' | '/'): string {
  return path.split(separator).at(-1)?.trim() ?? '';
}

/**
 * Reads the keyword fields of a photo or sidecar. StructFormat=JSONQ makes exiftool quote every value, so
 * a keyword such as "1.50" comes back as written (plain JSON would turn it into the number 1.5, and a
 * merge would then rewrite another tool's keyword). Throws when exiftool reports an error for the file.
 */
export async function readKeywordFields(exiftool: ExifTool, file: string): Promise<KeywordFields> {
  return (await readFields(exiftool, file)).fields;
}

/** A file in a sidecar's place that is not XMP (say, a photo hard-linked or copied there). */
export class NotXmpError extends Error {
  constructor(
    readonly file: string,
    readonly fileType: string,
  ) {
    super(
      `${file} is not an XMP sidecar (it holds ${fileType === '' ? 'no known format' : fileType}): skipped`,
    );
    this.name = 'NotXmpError';
  }
}

/**
 * The keyword fields of a sidecar, which must be an XMP file by its content, not only by its name: a photo
 * placed there (a hard link to another file, say) is never read as this photo's metadata. Throws
 * NotXmpError otherwise.
 */
export async function readSidecarFields(exiftool: ExifTool, file: string): Promise<KeywordFields> {
  const { fields, fileType } = await readFields(exiftool, file);
  if (fileType !== 'XMP') throw new NotXmpError(file, fileType);
  return fields;
}

async function readFields(
  exiftool: ExifTool,
  file: string,
): Promise<{ fields: KeywordFields; fileType: string }> {
  const raw = (await exiftool.readRaw(file, {
    readArgs: [
      '-G1',
      '-api',
      'StructFormat=JSONQ',
      '-File:FileType',
      ...Object.values(EXIFTOOL_FIELDS).map((f) => `-${f}`),
    ],
  })) as unknown as Record<string, unknown>;
  const errors = raw.errors;
  if (Array.isArray(errors) && errors.length > 0) throw new Error(errors.map(String).join('; '));
  const fields = emptyFields();
  for (const name of FIELD_NAMES) fields[name] = asList(raw[EXIFTOOL_FIELDS[name]]);
  const fileType = raw['File:FileType'];
  return { fields, fileType: typeof fileType === 'string' ? fileType : '' };
}

/** exiftool gives a one-element list as a plain value. */
function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => String(item)).filter((item) => item.trim() !== '');
}

/**
 * One perl process: keyword writes are small and run one file at a time, and the machine's cores belong
 * to classification. Large TIFFs take a while to copy, hence the generous task timeout. The caller owns
 * the instance and must end() it, or the perl child outlives the run.
 */
export function openExifTool(): Promise<ExifTool> {
  // Ends with this process, also when it is killed (see startExifTool).
  return startExifTool({ maxProcs: 1, taskTimeoutMillis: 120_000, geolocation: false });
}

/** Runs fn with a fresh ExifTool (or the caller's, which is left running) and always ends its own. */
export async function withExifTool<T>(
  given: ExifTool | undefined,
  fn: (exiftool: ExifTool) => Promise<T>,
): Promise<T> {
  if (given !== undefined) return fn(given);
  const exiftool = await openExifTool();
  try {
    return await fn(exiftool);
  } finally {
    await exiftool.end();
  }
}
