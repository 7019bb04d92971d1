// CSV/JSON output files of a CLI run: opened before the work starts (fail fast), committed atomically at the end.

import path from 'node:path';
import type { FileResult } from '../shared/results.js';
import { openCsvExport } from '../engine/export/csv-export.js';
import { openJsonExport } from '../engine/export/json-export.js';
import { outputConflict, type OutputTarget } from '../engine/export/output-targets.js';
import { type CliIo, FatalError, UsageError } from './cli-io.js';

/**
 * Refuses (exit 2, before any work) outputs that would replace the library, a photo the run reads, or
 * each other. `inputs` are the files and folders the run reads photos from.
 */
export async function checkOutputTargets(
  values: { csv?: string | undefined; json?: string | undefined },
  library: string | null,
  inputs: readonly string[],
  includeHidden: boolean,
  isLibraryPhoto?: (file: string) => boolean,
): Promise<void> {
  const targets: OutputTarget[] = [];
  if (values.csv !== undefined) targets.push({ label: '--csv', file: values.csv });
  if (values.json !== undefined) targets.push({ label: '--json', file: values.json });
  const conflict = await outputConflict(targets, {
    library,
    inputs,
    includeHidden,
    ...(isLibraryPhoto ? { isLibraryPhoto } : {}),
  });
  if (conflict !== null) throw new UsageError(conflict);
}

export interface ResultOutput {
  kind: 'CSV' | 'JSON';
  file: string;
  sink: {
    write(result: FileResult, tags?: readonly string[]): Promise<void>;
    commit(): Promise<void>;
    abort(): Promise<void>;
  };
}

export async function openResultOutputs(
  csv: string | undefined,
  json: string | undefined,
  bom: boolean,
): Promise<ResultOutput[]> {
  const outputs: ResultOutput[] = [];
  try {
    if (csv)
      outputs.push({
        kind: 'CSV',
        file: path.resolve(csv),
        sink: await openCsvExport(path.resolve(csv), { bom }),
      });
    if (json)
      outputs.push({
        kind: 'JSON',
        file: path.resolve(json),
        sink: await openJsonExport(path.resolve(json)),
      });
  } catch (error) {
    await Promise.all(outputs.map((o) => o.sink.abort()));
    throw new FatalError(`cannot write output: ${(error as Error).message}`, { cause: error });
  }
  return outputs;
}

export async function commitOutputs(
  outputs: { kind: string; file: string; sink: { commit(): Promise<void> } }[],
  io: CliIo,
): Promise<void> {
  for (const o of outputs) {
    try {
      await o.sink.commit();
      io.err(`${o.kind} written: ${o.file}`);
    } catch (error) {
      throw new FatalError(`cannot write ${o.file}: ${(error as Error).message}`, { cause: error });
    }
  }
}
