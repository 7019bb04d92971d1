// The app's engine process (engine): started at the first tagging job, reopened when model or provider settings change.

import { defaultThreads } from '../classify/classifier.js';
import { DEFAULT_MAX_PIXELS } from '../imaging/preprocess-spec.js';
import { locateModel } from '../models/locate-model.js';
import { identifyModel, type ModelIdentity } from '../models/model-identity.js';
import { EngineSupervisor, type EngineSupervisorOptions } from '../worker/worker-supervisor.js';
import type { StoredSettings } from './settings-store.js';

/** What the app does not let the user choose (yet): the CLI's --threads, --batch, --max-pixels, --labels. */
export interface EngineTuning {
  threads?: number;
  batchSize?: number;
  maxPixels?: number;
  labelsPath?: string | null;
  supervisor?: EngineSupervisorOptions;
}

export interface EngineLease {
  engine: EngineSupervisor;
  model: ModelIdentity;
}

/**
 * One engine at a time. Jobs run one after the other (JobQueue), so nobody is using the engine when the
 * next job acquires it: that is the moment a stale one (settings changed meanwhile) is swapped, and a
 * settings change never breaks the run in progress.
 */
export class EngineHost {
  private current: EngineLease | null = null;
  private starting: Promise<EngineLease> | null = null;
  private stale = false;
  private closed = false;

  constructor(
    private readonly settings: () => StoredSettings,
    /** The model given at startup; the `model` setting overrides it; neither: locateModel's search. */
    private readonly startupModel: string | null,
    /** Installed and imported models, where the search and model names look. */
    private readonly modelsDir: string,
    private readonly tuning: EngineTuning = {},
  ) {}

  /** The execution provider of the engine the next job will use; null before it started or once stale. */
  get providerInUse(): string | null {
    return this.current !== null && !this.stale ? this.current.engine.provider : null;
  }

  /** Rejects with the reason (no model, provider failed to load) so the job that asked fails with it. */
  acquire(): Promise<EngineLease> {
    if (this.closed) return Promise.reject(new Error('the app service is closing'));
    if (this.current !== null && !this.stale) return Promise.resolve(this.current);
    this.starting ??= this.reopen().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /** Model, provider, threshold or top-k changed: they are fixed when the engine opens the model. */
  invalidate(): void {
    this.stale = true;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => undefined);
    const current = this.current;
    this.current = null;
    await current?.engine.close();
  }

  private async reopen(): Promise<EngineLease> {
    const old = this.current;
    this.current = null;
    // Cleared before starting: an invalidate() that arrives during the start marks the new engine stale.
    this.stale = false;
    await old?.engine.close();
    const settings = this.settings();
    const modelPath = await locateModel(settings.model ?? this.startupModel, this.modelsDir);
    const model = await identifyModel(modelPath);
    const engine = await EngineSupervisor.start(
      {
        modelPath,
        labelsPath: this.tuning.labelsPath ?? null,
        ep: settings.ep,
        threads: this.tuning.threads ?? defaultThreads(),
        batchSize: this.tuning.batchSize ?? 8,
        topK: settings.topK,
        threshold: settings.threshold,
        maxPixels: this.tuning.maxPixels ?? DEFAULT_MAX_PIXELS,
      },
      this.tuning.supervisor,
    );
    if (this.closed) {
      await engine.close();
      throw new Error('the app service is closing');
    }
    this.current = { engine, model };
    return this.current;
  }
}
