// The service's worker processes (service process): one that classifies with the current settings, one that renders thumbnails and checks pixels.

import { defaultThreads } from '../classify/classifier.js';
import { DEFAULT_MAX_PIXELS } from '../imaging/preprocess-spec.js';
import { identifyModel, locateModel, type ModelIdentity } from '../models/locate-model.js';
import { WorkerSupervisor, type WorkerSupervisorOptions } from '../worker/worker-supervisor.js';
import type { StoredSettings } from './settings-store.js';

/** What the app does not let the user choose (yet): the CLI's --threads, --batch, --max-pixels, --labels. */
export interface WorkerTuning {
  threads?: number;
  batchSize?: number;
  maxPixels?: number;
  labelsPath?: string | null;
  /** Start-up caches (model hashes, GPU probe answers, optimized sessions); absent: none. */
  cacheDir?: string | null;
  supervisor?: Omit<WorkerSupervisorOptions, 'model'>;
}

export interface ClassifierLease {
  engine: WorkerSupervisor;
  model: ModelIdentity;
}

/**
 * Two workers, started when first needed. The classifier serves one model with fixed settings: jobs run one
 * after the other (JobQueue), so nobody uses it when the next job acquires it, and that is the moment a
 * stale one (settings changed meanwhile) is replaced — a settings change never breaks the run in progress.
 * The renderer (thumbnails, previews, pixel checks) needs no model and lives apart, so a poison photo met
 * while scrolling the grid cannot disturb the crash blame of a tagging run, and neither waits for the other.
 */
export class WorkerManager {
  private current: ClassifierLease | null = null;
  private starting: Promise<ClassifierLease> | null = null;
  private renderer: Promise<WorkerSupervisor> | null = null;
  private stale = false;
  private closed = false;

  constructor(
    private readonly settings: () => StoredSettings,
    /** The model given at startup; the `model` setting overrides it; neither: locateModel's search. */
    private readonly startupModel: string | null,
    /** Installed and imported models, where the search and model names look. */
    private readonly modelsDir: string,
    private readonly tuning: WorkerTuning = {},
  ) {}

  /** The execution provider of the classifier the next job will use; null before it opened or once stale. */
  get providerInUse(): string | null {
    return this.current !== null && !this.stale ? (this.current.engine.readyInfo?.provider ?? null) : null;
  }

  /** The pixel limit for decodes (decompression bombs). */
  get maxPixels(): number {
    return this.tuning.maxPixels ?? DEFAULT_MAX_PIXELS;
  }

  /**
   * Rejects with the reason there is no model, so the job that asked fails with it. The worker is handed
   * out while it opens the model: the job walks its folders and the first photos decode meanwhile; a model
   * that cannot be opened fails the job's classify calls with the reason, and the next acquire() tries again.
   */
  acquire(): Promise<ClassifierLease> {
    if (this.closed) return Promise.reject(new Error('the app service is closing'));
    if (this.current !== null && !this.stale) return Promise.resolve(this.current);
    this.starting ??= this.reopen().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /** The worker for renders and pixel checks (started on first use, restarted after crashes by its supervisor). */
  rendering(): Promise<WorkerSupervisor> {
    if (this.closed) return Promise.reject(new Error('the app service is closing'));
    this.renderer ??= WorkerSupervisor.start({ ...this.tuning.supervisor, model: null });
    // A failed start is not remembered: the next request tries again.
    this.renderer.catch(() => (this.renderer = null));
    return this.renderer;
  }

  /** Model, provider, threshold or top-k changed: they are fixed when the worker opens the model. */
  invalidate(): void {
    this.stale = true;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => undefined);
    const current = this.current;
    this.current = null;
    const renderer = await this.renderer?.catch(() => null);
    await Promise.all([current?.engine.close(), renderer?.close()]);
  }

  private async reopen(): Promise<ClassifierLease> {
    const old = this.current;
    this.current = null;
    // Cleared before starting: an invalidate() that arrives during the start marks the new worker stale.
    this.stale = false;
    await old?.engine.close();
    const settings = this.settings();
    const modelPath = await locateModel(settings.model ?? this.startupModel, this.modelsDir);
    const model = await identifyModel(modelPath, { cacheDir: this.tuning.cacheDir ?? null });
    const engine = await WorkerSupervisor.begin({
      ...this.tuning.supervisor,
      model: {
        modelPath,
        labelsPath: this.tuning.labelsPath ?? null,
        ep: settings.ep,
        threads: this.tuning.threads ?? defaultThreads(),
        batchSize: this.tuning.batchSize ?? 8,
        topK: settings.topK,
        threshold: settings.threshold,
        maxPixels: this.maxPixels,
        cacheDir: this.tuning.cacheDir ?? null,
      },
    });
    if (this.closed) {
      await engine.close();
      throw new Error('the app service is closing');
    }
    const lease = { engine, model };
    this.current = lease;
    engine.opened.catch(() => {
      if (this.current === lease) this.current = null;
    });
    return lease;
  }
}
