// CSV export of tagging results (engine process): RFC 4180 rows, formula-safe cells, written atomically.

import type { stringify as Stringify } from 'csv-stringify/sync';
import type { FileResult } from '../../shared/results.js';
import { openAtomicWriter } from './atomic-file.js';

/** Column order of the CSV export. Part of the documented format: only ever append new columns. */
export const CSV_COLUMNS = [
  'path',
  'status',
  'error_code',
  'error_message',
  'label',
  'wnid',
  'score',
  'labels',
  'wnids',
  'scores',
  'classified_at',
  'width',
  'height',
  'format',
  'bytes',
  'sha256',
  'model',
  'provider',
  'tags',
] as const;

export type CsvColumn = (typeof CSV_COLUMNS)[number];

/**
 * Separator inside the list columns (labels, wnids, scores, tags, accepted_tags, rejected_tags). A name may
 * contain it (a custom label, a keyword from another tool), so list items are escaped: `\` becomes `\\`
 * and `;` becomes `\;`, and splitList() gives back exactly the items that were joined.
 */
export const LIST_SEPARATOR = ';';

/** Joins list items into one cell, escaping the separator and the escape character inside items. */
export function joinList(items: readonly string[]): string {
  return items.map((item) => item.replace(/[\\;]/g, (c) => `\\${c}`)).join(LIST_SEPARATOR);
}

/** The items of a list cell written by joinList (an empty cell is an empty list). */
export function splitList(cell: string): string[] {
  if (cell === '') return [];
  const items: string[] = [];
  let current = '';
  for (let i = 0; i < cell.length; i++) {
    const c = cell[i] as string;
    if (c === '\\' && i + 1 < cell.length) current += cell.charAt(++i);
    else if (c === LIST_SEPARATOR) {
      items.push(current);
      current = '';
    } else current += c;
  }
  items.push(current);
  return items;
}

export interface CsvExportOptions {
  /** Start the file with a UTF-8 byte order mark, which Excel needs to detect UTF-8. */
  bom: boolean;
}

export interface CsvExport {
  /** `tags`: the rules' tags for this file, best first (the `tags` column). */
  write(result: FileResult, tags?: readonly string[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Formats a probability with 6 decimals, trailing zeros removed: 0.912345, 0.5, 1, 0.
 * Scores lie in [0, 1], so this is at most 6 significant digits and never exponent notation (which
 * String() would produce below 1e-6 and spreadsheets may mangle); scores under 5e-7 become "0".
 * Non-finite values, which a healthy model never produces, become an empty cell.
 */
export function formatScore(score: number): string {
  if (!Number.isFinite(score)) return '';
  const text = score.toFixed(6).replace(/\.?0+$/, '');
  return text === '-0' ? '0' : text;
}

function formatInteger(value: number | null): string {
  return value === null || !Number.isFinite(value) ? '' : String(value);
}

/** The cells of one result, in CSV_COLUMNS order, before neutralisation; `tags` is the tags cell (joinList). */
export function csvRecord(result: FileResult, tags = ''): string[] {
  const top = result.predictions[0];
  const record: Record<CsvColumn, string> = {
    path: result.path,
    status: result.status,
    error_code: result.errorCode ?? '',
    error_message: result.errorMessage ?? '',
    label: top?.label ?? '',
    wnid: top?.wnid ?? '',
    score: top === undefined ? '' : formatScore(top.score),
    labels: joinList(result.predictions.map((p) => p.label)),
    // Label sets without WordNet ids leave the column empty rather than a row of separators.
    wnids: result.predictions.some((p) => p.wnid !== '')
      ? joinList(result.predictions.map((p) => p.wnid))
      : '',
    scores: joinList(result.predictions.map((p) => formatScore(p.score))),
    classified_at: result.classifiedAt,
    width: formatInteger(result.width),
    height: formatInteger(result.height),
    format: result.format ?? '',
    bytes: formatInteger(result.bytes),
    sha256: result.sha256 ?? '',
    model: result.model,
    provider: result.provider,
    tags,
  };
  return CSV_COLUMNS.map((column) => record[column]);
}

/**
 * One RFC 4180 line (CRLF-terminated), every cell neutralised against formula injection. A cell holding a
 * quote, the delimiter, or any CR or LF is quoted: csv-stringify by itself quotes only the record delimiter
 * (CRLF), and a lone LF or CR left bare would start a new row in every spreadsheet.
 */
function csvLine(stringify: typeof Stringify, cells: readonly string[]): string {
  return stringify([cells.map(neutraliseCsvCell)], {
    record_delimiter: '\r\n',
    eof: true,
    quoted_match: /[\r\n]/,
  });
}

/** A CSV file with a fixed header, written atomically: rows stream to a temp file that appears on commit(). */
export interface CsvTableWriter {
  writeRow(cells: readonly string[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export async function openCsvTable(
  path: string,
  columns: readonly string[],
  options: CsvExportOptions,
): Promise<CsvTableWriter> {
  // Loaded with the first CSV file, not with this module: a run that writes none skips it (~10 ms of start-up).
  const { stringify } = await import('csv-stringify/sync');
  const writer = await openAtomicWriter(path);
  try {
    await writer.write((options.bom ? '\uFEFF' : '') + csvLine(stringify, columns));
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return {
    writeRow: (cells) => {
      if (cells.length !== columns.length) {
        return Promise.reject(new Error(`CSV row has ${cells.length} cells, the header ${columns.length}`));
      }
      return writer.write(csvLine(stringify, cells));
    },
    commit: () => writer.commit(),
    abort: () => writer.abort(),
  };
}

/** Opens an atomic CSV export of tagging results at `path`; the header is written at once. */
export async function openCsvExport(path: string, options: CsvExportOptions): Promise<CsvExport> {
  const table = await openCsvTable(path, CSV_COLUMNS, options);
  return {
    write: (result, tags) => table.writeRow(csvRecord(result, joinList(tags ?? []))),
    commit: () => table.commit(),
    abort: () => table.abort(),
  };
}

/**
 * Characters that make Excel, LibreOffice, Google Sheets or Numbers treat a cell as a formula (OWASP
 * "CSV Injection"): = + - @ tab CR, plus the full-width = + - @ that Numbers normalises to ASCII.
 */
const FORMULA_TRIGGERS = ['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20'];

/** True when a spreadsheet could interpret `cell` as a formula. */
export function isFormulaLike(cell: string): boolean {
  return cell.length > 0 && FORMULA_TRIGGERS.includes(cell.charAt(0));
}

/** A line start (the cell's start, or right after a CR or LF) followed by one of FORMULA_TRIGGERS. */
const TRIGGER_AT_LINE_START = /(?<=^|[\r\n])(?=[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20])/g;

/**
 * Puts a single quote, which spreadsheets show as plain text, before a trigger at the start of the cell
 * and at the start of every line inside it (after each CR or LF): a tool that splits the file on line
 * ends, or pastes a multi-line cell, must not meet a formula either. Applied to every cell, including
 * paths and error messages, because file names are attacker-controlled.
 */
export function neutraliseCsvCell(cell: string): string {
  return cell.replace(TRIGGER_AT_LINE_START, "'");
}
