// Startup settings of the service host (engine): library file, data folder and model from argv, else the environment.

import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultLibraryPath } from '../library/library-location.js';
import type { UrlBuilders } from './request-handlers.js';

export interface HostConfig {
  libraryFile: string;
  dataDir: string;
  modelPath: string | null;
}

/** Main's app:// protocol serves these: app://thumb/<id> and app://preview/<id>. */
export const ELECTRON_URLS: UrlBuilders = {
  thumb: (id) => `app://thumb/${id}`,
  preview: (id) => `app://preview/${id}`,
};

/**
 * `--library FILE --data-dir DIR --model FILE`, each falling back to SKIPTAG_LIBRARY, SKIPTAG_DATA_DIR and
 * SKIPTAG_MODEL; the library defaults to the OS data folder and the data folder to the library's folder.
 * Throws on unknown arguments, so a typo in main's fork call fails loudly instead of opening another library.
 */
export function hostConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): HostConfig {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: { library: { type: 'string' }, 'data-dir': { type: 'string' }, model: { type: 'string' } },
  });
  const libraryFile = path.resolve(values.library || env.SKIPTAG_LIBRARY || defaultLibraryPath());
  const dataDir = path.resolve(values['data-dir'] || env.SKIPTAG_DATA_DIR || path.dirname(libraryFile));
  const model = values.model || env.SKIPTAG_MODEL || null;
  return { libraryFile, dataDir, modelPath: model };
}
