// models:quantize (engine; service process): an int8 copy of an installed model as a job on the app's queue, calibrated on the library's own photos.

import path from 'node:path';
import type { ModelSources } from '../config.js';
import type { JobControl, JobQueue, JobSnapshot } from '../jobs/job-queue.js';
import type { Library } from '../library/library.js';
import { locateModel } from '../models/locate-model.js';
import { QuantizeRefusedError, quantizeModel } from '../models/quantize-model.js';
import { findPackageRoot } from '../package-root.js';
import { walkInputs } from '../scan/walker.js';
import { AppError } from '../../shared/errors.js';
import { listModelInfos } from './settings-views.js';
import { isFinished } from './tag-jobs.js';
import type { WorkerManager } from './worker-manager.js';

/** As many calibration photos as the CLI takes by default: enough for stable ranges, a minute at most. */
const CALIBRATION_PHOTOS = 32;
/** The library's photos looked at to pick the calibration photos from (spread over all of them). */
const CANDIDATES = 2000;

export interface ModelQuantizeDeps {
  queue: JobQueue;
  library: Library;
  workers: WorkerManager;
  sources: ModelSources;
}

/**
 * Progress counts the steps (each calibration photo decoded, then folding and calibrating, the self-check,
 * importing) with `current` naming the step. The copy is named `<id>-int8` (or -int8-2, … when taken) and
 * becomes an installed model; the model in use does not change: the user picks it in the settings.
 */
export class ModelQuantizeJobs {
  /** Model id → its unfinished quantize job: asking twice returns the same job. */
  private readonly active = new Map<string, number>();

  constructor(private readonly deps: ModelQuantizeDeps) {}

  async quantize(id: string): Promise<JobSnapshot> {
    const running = this.active.get(id);
    const existing = running === undefined ? undefined : this.deps.queue.get(running);
    if (existing !== undefined && !isFinished(existing.state)) return existing;
    const infos = await listModelInfos(this.deps.sources);
    const installed = infos.filter((m) => m.installed).map((m) => m.id);
    // Only an installed model, by its id: the window never names a file.
    if (!installed.includes(id)) {
      throw new AppError('model_not_found', `"${id}" is not an installed model`);
    }
    const parentPath = await locateModel(id, this.deps.sources.dir);
    const name = freeName(`${id}-int8`, new Set(infos.map((m) => m.id)));
    const job = this.deps.queue.enqueue('model-quantize', (control) => this.run(control, parentPath, name));
    this.active.set(id, job.id);
    return job;
  }

  private async run(control: JobControl, parentPath: string, name: string): Promise<void> {
    const photos = await this.calibrationPhotos();
    const total = photos.length + 3;
    let done = 0;
    control.report({ done, total, current: 'decoding calibration photos' });
    await control.checkpoint();
    if (control.signal.aborted) return;
    // Every decode of a user's photo happens in a worker process: the render worker takes the task.
    const worker = await this.deps.workers.rendering();
    try {
      await quantizeModel({
        parentPath,
        name,
        modelsDir: this.deps.sources.dir,
        photos,
        preprocess: async (file, spec) => {
          const value = await worker.task({ kind: 'preprocess', path: file, ...spec });
          control.report({ done: ++done, total, current: 'decoding calibration photos' });
          if (value.kind !== 'preprocess') throw new Error('the worker answered another task');
          return value.data;
        },
        onSkipped: () => control.report({ done: ++done, total, current: 'decoding calibration photos' }),
        // The steps after decoding: 'folding batch norms…', 'checking the int8 model…', 'importing'.
        onProgress: (message) => {
          const step = ['folding', 'checking', 'importing'].findIndex((s) => message.startsWith(s));
          if (step >= 0) control.report({ done: photos.length + step, total, current: message });
        },
      });
    } catch (error) {
      if (error instanceof QuantizeRefusedError) {
        throw new AppError('failed', `not quantized: ${error.message}`, { cause: error });
      }
      throw error;
    }
    // The window learns of the new model from the job's end and lists the models again.
    control.report({ done: total, total, current: `imported ${name}` });
  }

  /**
   * Up to CALIBRATION_PHOTOS of the library's decoded photos, spread over it (the user's own photos calibrate
   * best); the reference photos shipped with Skiptag when the library has none.
   */
  private async calibrationPhotos(): Promise<string[]> {
    const page = this.deps.library.queryImages({ review: 'all' }, { offset: 0, limit: CANDIDATES });
    const ok = page.items.filter((item) => item.status === 'ok').map((item) => item.path);
    if (ok.length > 0) {
      const step = Math.max(1, ok.length / CALIBRATION_PHOTOS);
      const picked = new Set<string>();
      for (let i = 0; i < ok.length && picked.size < CALIBRATION_PHOTOS; i += step) {
        picked.add(ok[Math.floor(i)] ?? '');
      }
      picked.delete('');
      return [...picked];
    }
    const photos: string[] = [];
    const folder = path.join(await findPackageRoot(), 'models', 'selftest');
    for await (const item of walkInputs([folder])) {
      if (item.kind === 'file') photos.push(item.path.toString('utf8'));
      if (photos.length >= CALIBRATION_PHOTOS) break;
    }
    return photos;
  }
}

function freeName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
}
