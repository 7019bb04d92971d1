// Exports from the library (engine): wide (one row per image) and long (one row per image and label) CSV, and JSON; the CLI's and the app's scopes.

import path from 'node:path';
import type { z } from 'zod';
import type { exportRequestSchema } from '../../shared/contract.js';
import { AppError } from '../../shared/errors.js';
import type { FileResult } from '../../shared/results.js';
import type { ExportFilter, ExportImage } from '../library/library-types.js';
import type { Library } from '../library/library.js';
import {
  CSV_COLUMNS,
  csvRecord,
  type CsvTableWriter,
  formatScore,
  joinList,
  openCsvTable,
} from './csv-export.js';
import { type JsonArrayWriter, jsonRecord, openJsonArray } from './json-export.js';

export type ExportFormat = 'wide' | 'long';

/** Wide: the `tag --csv` columns plus the user's decisions. */
export const WIDE_COLUMNS = [...CSV_COLUMNS, 'accepted_tags', 'rejected_tags'] as const;

/** Long: one row per image and label, with where the label came from and what the user decided. */
export const LONG_COLUMNS = [
  'path',
  'status',
  'error_code',
  'label',
  'wnid',
  'score',
  'rank',
  'source',
  'state',
  'model',
  'provider',
  'classified_at',
  'sha256',
] as const;

export function exportImageToResult(image: ExportImage): FileResult {
  return {
    path: image.path,
    status: image.status === 'ok' ? 'ok' : 'error',
    errorCode:
      image.status === 'ok' ? null : (image.errorCode ?? (image.status === 'crashed' ? 'internal' : null)),
    errorMessage: image.status === 'ok' ? null : (image.errorMessage ?? image.status),
    predictions: image.predictions,
    width: image.width,
    height: image.height,
    format: image.format,
    bytes: image.size,
    sha256: image.sha256,
    model: image.modelName ?? '',
    provider: image.provider ?? '',
    classifiedAt: image.classifiedAt ?? '',
  };
}

/**
 * The image's current tags (model suggestions after the rules, and the user's), best first, rejected left
 * out.
 */
export function currentTags(image: ExportImage): string[] {
  return image.tags
    .filter((t) => t.state !== 'rejected')
    .sort((a, b) => (b.score ?? 1) - (a.score ?? 1))
    .map((t) => t.tag);
}

export function wideRow(image: ExportImage): string[] {
  return [
    ...csvRecord(exportImageToResult(image), joinList(currentTags(image))),
    joinList(image.acceptedTags),
    joinList(image.rejectedTags),
  ];
}

export function longRows(image: ExportImage): string[][] {
  const base = (label: string, wnid: string, score: string, rank: string, source: string, state: string) => [
    image.path,
    image.status,
    image.errorCode ?? '',
    label,
    wnid,
    score,
    rank,
    source,
    state,
    image.modelName ?? '',
    image.provider ?? '',
    image.classifiedAt ?? '',
    image.sha256 ?? '',
  ];
  if (image.tags.length === 0) return [base('', '', '', '', '', '')];
  const ranked = new Map(image.predictions.map((p, i) => [p.label, { wnid: p.wnid, rank: i + 1 }]));
  return image.tags.map((t) => {
    // Only the model's own suggestions have a class and rank; a personal or user tag may share a label's name.
    const prediction = t.source === 'auto' ? ranked.get(t.tag) : undefined;
    return base(
      t.tag,
      prediction?.wnid ?? '',
      t.score === null ? '' : formatScore(t.score),
      prediction ? String(prediction.rank) : '',
      t.source,
      t.state,
    );
  });
}

export interface LibraryExportOptions {
  csv?: string;
  json?: string;
  format: ExportFormat;
  bom: boolean;
}

/** Streams the matching images into the requested files (atomic: all files appear at the end or none). */
export async function exportLibrary(
  library: Library,
  filter: ExportFilter,
  options: LibraryExportOptions,
): Promise<number> {
  const csv: CsvTableWriter | null = options.csv
    ? await openCsvTable(options.csv, options.format === 'wide' ? WIDE_COLUMNS : LONG_COLUMNS, {
        bom: options.bom,
      })
    : null;
  let json: JsonArrayWriter | null = null;
  try {
    json = options.json ? await openJsonArray(options.json) : null;
    let count = 0;
    for (const image of library.exportImages(filter)) {
      count += 1;
      if (csv) {
        if (options.format === 'wide') await csv.writeRow(wideRow(image));
        else for (const row of longRows(image)) await csv.writeRow(row);
      }
      if (json) {
        await json.writeValue({
          ...jsonRecord(exportImageToResult(image), currentTags(image)),
          status: image.status,
          acceptedTags: image.acceptedTags,
          rejectedTags: image.rejectedTags,
          tags: image.tags,
          // The other file of a RAW+JPEG pair: the same photo, so it has no object of its own.
          companions: image.companions,
        });
      }
    }
    await csv?.commit();
    await json?.commit();
    return count;
  } finally {
    await csv?.abort();
    await json?.abort();
  }
}

export type ParsedExportRequest = z.infer<typeof exportRequestSchema>;

/**
 * The app's export:run (service process): writes the export atomically to `filePath` (chosen by the app
 * shell) and returns how many photos it holds. 'all' is exactly `skiptag export`; 'selection' and 'filter'
 * export the same rows and columns for the chosen photos, in path order.
 */
export async function runExport(
  library: Library,
  request: ParsedExportRequest,
  filePath: string,
): Promise<{ path: string; count: number }> {
  const target = path.resolve(filePath);
  const count = await exportLibrary(library, exportFilter(library, request), {
    format: request.layout,
    bom: request.bom,
    ...(request.format === 'csv' ? { csv: target } : { json: target }),
  });
  return { path: target, count };
}

/**
 * The grid's filter (score band, review state, text) has no equivalent in the export's own filter, so it
 * becomes the ids it matches now: the file holds what the grid showed when the user asked.
 */
function exportFilter(library: Library, request: ParsedExportRequest): ExportFilter {
  switch (request.scope) {
    case 'all':
      return {};
    case 'selection':
      if (request.imageIds === undefined) {
        throw new AppError('bad_request', 'a selection export needs imageIds');
      }
      return { imageIds: request.imageIds };
    case 'filter':
      if (request.filter === undefined) {
        throw new AppError('bad_request', 'a filter export needs a filter');
      }
      return { imageIds: library.matchingImageIds(request.filter) };
  }
}
