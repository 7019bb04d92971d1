// Exports requested by the app (engine, service process): all photos, a selection, or the grid's filter, as CSV or JSON.

import path from 'node:path';
import type { z } from 'zod';
import type { exportRequestSchema } from '../../shared/contract.js';
import { exportLibrary } from '../export/library-export.js';
import type { ExportFilter } from '../library/library-types.js';
import type { Library } from '../library/library.js';
import { AppError } from '../../shared/errors.js';

export type ParsedExportRequest = z.infer<typeof exportRequestSchema>;

/**
 * Writes the export atomically to `filePath` (chosen by the app shell) and returns how many photos it
 * holds. 'all' is exactly `skiptag export`; 'selection' and 'filter' export the same rows and columns for
 * the chosen photos, in path order.
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
