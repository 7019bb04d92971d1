// Exports requested by the app (engine): all photos, a selection, or the grid's filter, as wide/long CSV or JSON.

import path from 'node:path';
import type { z } from 'zod';
import type { exportRequestSchema } from '../../shared/contract.js';
import { exportLibrary } from '../export/library-export.js';
import type { ExportFilter, ExportImage } from '../library/library-types.js';
import type { Library } from '../library/library.js';
import type { SqlDb } from '../library/sql-db.js';
import { matchingImageIds } from '../library/image-query.js';
import { AppError } from '../../shared/errors.js';

export type ParsedExportRequest = z.infer<typeof exportRequestSchema>;

/**
 * Writes the export atomically to `filePath` (chosen by the app shell) and returns how many photos it
 * holds. 'all' is exactly `skiptag export`; 'selection' and 'filter' export the same rows and columns for
 * the chosen photos, in path order.
 */
export async function runExport(
  library: Library,
  db: SqlDb,
  request: ParsedExportRequest,
  filePath: string,
): Promise<{ path: string; count: number }> {
  const target = path.resolve(filePath);
  let filter: ExportFilter = {};
  let only: Set<number> | null = null;
  if (request.scope === 'selection') {
    if (request.imageIds === undefined) {
      throw new AppError('bad_request', 'a selection export needs imageIds');
    }
    only = new Set(request.imageIds);
  } else if (request.scope === 'filter') {
    if (request.filter === undefined) throw new AppError('bad_request', 'a filter export needs a filter');
    only = new Set(matchingImageIds(db, request.filter));
    // The library's own filter narrows the walk; the id set makes it exact (score band, review, text).
    if (request.filter.tag !== undefined) {
      filter = { tag: request.filter.tag, minScore: request.filter.minScore ?? 0 };
    }
  }
  const source = only === null ? library : withOnly(library, only);
  const count = await exportLibrary(source, filter, {
    format: request.layout,
    bom: request.bom,
    ...(request.format === 'csv' ? { csv: target } : { json: target }),
  });
  return { path: target, count };
}

/**
 * The library as exportLibrary sees it, streaming only these images. Library.exportImages cannot select
 * by id yet, so this walks every image (page by page) and keeps the chosen ones: linear in the library,
 * which an export of a few photos from 100k can afford (about a second).
 */
function withOnly(library: Library, only: ReadonlySet<number>): Library {
  function* exportImages(filter?: ExportFilter): Generator<ExportImage, void, undefined> {
    if (only.size === 0) return;
    for (const image of library.exportImages(filter)) if (only.has(image.imageId)) yield image;
  }
  return new Proxy(library, {
    get(target, property) {
      if (property === 'exportImages') return exportImages;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
