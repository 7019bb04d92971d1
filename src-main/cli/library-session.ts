// Opening the library and the worker process for a CLI command (CLI): clear fatal errors, always cleaned up.

import path from 'node:path';
import { Library } from '../engine/library/library.js';
import { explainLibraryError } from '../engine/library/library-errors.js';
import { identifyModel, type ModelIdentity } from '../engine/models/locate-model.js';
import {
  forkLauncher,
  preforkedLauncher,
  resolveWorkerEntry,
  type PreforkedLauncher,
  type WorkerLauncher,
} from '../engine/worker/worker-launcher.js';
import { WorkerSupervisor } from '../engine/worker/worker-supervisor.js';
import type { WorkerReadyInfo } from '../shared/worker-protocol.js';
import { type CliIo, FatalError } from './cli-io.js';
import { takeWorkerHeadStart } from './worker-head-start.js';
import type { EngineSettings } from './engine-settings.js';

export function openLibrary(file: string): Library {
  try {
    return Library.open(file);
  } catch (error) {
    throw libraryFailure(error, file);
  }
}

/** For commands that only read (export, status): works on a read-only disk too (Library.openForReading). */
export function openLibraryForReading(file: string): Library {
  try {
    return Library.openForReading(file);
  } catch (error) {
    throw libraryFailure(error, file);
  }
}

function libraryFailure(error: unknown, file: string): FatalError {
  const explained = explainLibraryError(error, file);
  return new FatalError(explained ?? `cannot open the library ${file}: ${(error as Error).message}`, {
    cause: error,
  });
}

/**
 * A worker process for a command that will probably need one (see preforkedLauncher): the one bin/skiptag.js
 * started with the CLI, else one started now; null when the worker's entry cannot be found (startWorker
 * then reports that, as without a head start). The caller disposes it.
 */
export async function workerHeadStart(): Promise<PreforkedLauncher | null> {
  const early = takeWorkerHeadStart();
  if (early) return early;
  try {
    return preforkedLauncher(forkLauncher(await resolveWorkerEntry()));
  } catch {
    return null;
  }
}

export interface EngineSession {
  engine: WorkerSupervisor;
  model: ModelIdentity;
}

/** Identifies the model (its hash, from the cache when unchanged) and starts a worker process on it. */
export async function startEngine(
  settings: EngineSettings,
  io: CliIo,
  note?: string,
): Promise<EngineSession> {
  const model = await identifyModel(settings.modelPath, { cacheDir: settings.cacheDir });
  return { engine: await startWorker(settings, io, note), model };
}

/**
 * Starts a worker process on the model and says which provider it ended up on. `tag` calls it only once
 * a photo needs classifying, so a run with nothing new never pays for loading the model.
 */
export async function startWorker(
  settings: EngineSettings,
  io: CliIo,
  note?: string,
  launcher?: WorkerLauncher,
): Promise<WorkerSupervisor> {
  const engine = await beginWorker(settings, io, note, launcher);
  try {
    await engine.opened;
  } catch (error) {
    throw new FatalError((error as Error).message, { cause: error });
  }
  return engine;
}

/**
 * Like startWorker, but returns while the worker opens the model, so the first photos can go to it at
 * once (it decodes them meanwhile). Where the model cannot be opened, the calls given to the worker fail
 * with the reason; the lines about the provider are printed once it is open, before any result.
 */
export async function beginWorker(
  settings: EngineSettings,
  io: CliIo,
  note?: string,
  launcher?: WorkerLauncher,
): Promise<WorkerSupervisor> {
  let engine: WorkerSupervisor;
  try {
    engine = await WorkerSupervisor.begin({
      ...(launcher ? { launcher } : {}),
      onOpened: (ready) => describeOpened(ready, settings, io, note),
      model: {
        modelPath: settings.modelPath,
        labelsPath: settings.labelsPath,
        ep: settings.ep,
        threads: settings.threads,
        batchSize: settings.batch,
        topK: settings.topK,
        threshold: settings.threshold,
        maxPixels: settings.maxPixels,
        cacheDir: settings.cacheDir,
      },
    });
  } catch (error) {
    throw new FatalError((error as Error).message, { cause: error });
  }
  return engine;
}

function describeOpened(ready: WorkerReadyInfo, settings: EngineSettings, io: CliIo, note?: string): void {
  for (const attempt of ready.attempts) {
    if (!attempt.ok) io.err(`note: ${attempt.provider} not used: ${attempt.error}`);
  }
  // Tags still work; what needs the model's features says why it has none.
  if (ready.embeddingOff) {
    io.err(`note: similar photos and personal tags are off with this model: ${ready.embeddingOff}`);
  }
  io.err(
    `model ${path.basename(settings.modelPath)} on ${ready.provider} (${settings.threads} threads, batch ${ready.fixedBatch ?? settings.batch}${note ? `, ${note}` : ''})`,
  );
}
