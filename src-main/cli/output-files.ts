// CSV/JSON output files of a CLI run: opened before the work starts (fail fast), committed atomically at the end.

import path from 'node:path';
import type { FileResult } from '../shared/results.js';
import { openCsvExport } from '../engine/export/csv-export.js';
import { openJsonExport } from '../engine/export/json-export.js';
import { type CliIo, FatalError } from './cli-io.js';

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
