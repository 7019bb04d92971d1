// Locates the engine child's JavaScript entry for the supervisor (parent): beside this file when compiled, else in out/.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from '../package-root.js';

/** Where `tsc -b tsconfig.build.json` puts the child entry, relative to the package root. */
const COMPILED_ENTRY = path.join('out', 'src-main', 'engine', 'worker', 'worker-main.js');

/**
 * The child must be plain JavaScript (fork cannot run TypeScript). Compiled code finds it beside itself;
 * code running from .ts sources (vitest) falls back to the compiled copy, which the test setup builds.
 */
export async function resolveEngineChildEntry(): Promise<string> {
  const sibling = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  const compiled = path.join(await findPackageRoot(import.meta.url), COMPILED_ENTRY);
  if (existsSync(compiled)) return compiled;
  throw new Error(`engine child entry not found (${sibling} or ${compiled}); run npm run build`);
}
