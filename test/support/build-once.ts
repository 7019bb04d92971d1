// Vitest global setup (test): compiles the CLI to out/ once, and gives the run one temp folder removed at the end.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): () => void {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  // Incremental: a no-op when out/ is current.
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  // The per-run libraries of CLI tests go here (see run-cli.ts); test workers inherit the variable.
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'skiptag-test-run-'));
  process.env.SKIPTAG_TEST_SCRATCH = scratch;
  return () => rmSync(scratch, { recursive: true, force: true });
}
