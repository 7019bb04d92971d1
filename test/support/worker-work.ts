// Driving a WorkerSupervisor in tests (test): work items and a classify call that checks each id comes back once.
import { expect } from 'vitest';
import type { FileResult } from '../../src-main/shared/results.js';
import type { OpenModelOptions } from '../../src-main/shared/worker-protocol.js';
import type { WorkerSupervisor, WorkItem } from '../../src-main/engine/worker/worker-supervisor.js';

export function workItem(id: number, file: string): WorkItem {
  return { id, path: Buffer.from(file), display: file };
}

/** Open options for tests: the CPU, one thread, top 3. */
export function testModel(modelPath: string): OpenModelOptions {
  return {
    modelPath,
    labelsPath: null,
    ep: 'cpu',
    threads: 1,
    batchSize: 8,
    topK: 3,
    threshold: 0,
    maxPixels: 200_000_000,
  };
}

/** Runs one classify call and returns the results by id, checking each id is reported exactly once. */
export async function classifyAll(
  supervisor: WorkerSupervisor,
  items: WorkItem[],
): Promise<{ results: Map<number, FileResult>; crashed: number[] }> {
  const results = new Map<number, FileResult>();
  const { crashed } = await supervisor.classify(items, (id, result) => {
    expect(results.has(id)).toBe(false);
    results.set(id, result);
  });
  return { results, crashed };
}
