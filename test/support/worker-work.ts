// Driving an EngineSupervisor in tests (test): work items and a classify call that checks each id comes back once.
import { expect } from 'vitest';
import type { FileResult } from '../../src-main/shared/results.js';
import type { EngineSupervisor, EngineWorkItem } from '../../src-main/engine/worker/worker-supervisor.js';

export function workItem(id: number, file: string): EngineWorkItem {
  return { id, path: Buffer.from(file), display: file };
}

/** Runs one classify call and returns the results by id, checking each id is reported exactly once. */
export async function classifyAll(
  supervisor: EngineSupervisor,
  items: EngineWorkItem[],
): Promise<{ results: Map<number, FileResult>; crashed: number[] }> {
  const results = new Map<number, FileResult>();
  const { crashed } = await supervisor.classify(items, (id, result) => {
    expect(results.has(id)).toBe(false);
    results.set(id, result);
  });
  return { results, crashed };
}
