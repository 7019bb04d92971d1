// Models store (renderer): installed and downloadable models, installs as jobs, and whether a model is missing.
import type { JobSnapshotInfo, ModelInfo } from '$contract';
import { skiptag } from '../api';
import { failedForWantOfModel, jobGroup } from '../job-kinds';
import { folders } from './folders.svelte';
import { isActive, jobs } from './jobs.svelte';
import { attempt, notices } from './notices.svelte';
import { settings } from './settings.svelte';

class ModelsStore {
  list = $state.raw<ModelInfo[]>([]);
  /** The list was read at least once (a service without models:list leaves this false: no first-run panel). */
  loaded = $state(false);
  /** Model id → the job installing it (kept after it ends, so its outcome stays visible). */
  installs = $state.raw<ReadonlyMap<string, number>>(new Map());
  /** The first-run panel was put aside for this session ("Not now"). */
  firstRunDismissed = $state(false);
  /** A model arrived after the library already had folders: offer to tag them now. */
  offerTagNow = $state(false);
  /** The demo model is being built. */
  buildingDemo = $state(false);
  /** A model file is being imported (checked by running it, which takes a moment). */
  importing = $state(false);

  constructor() {
    folders.waitingForModel = () => this.missing;
  }

  get installed(): ModelInfo[] {
    return this.list.filter((m) => m.installed);
  }

  /** Catalogue models not installed yet, recommended first. */
  get available(): ModelInfo[] {
    return this.list
      .filter((m) => !m.installed && m.source === 'catalog')
      .sort((a, b) => Number(b.recommended) - Number(a.recommended));
  }

  /** What the first-run panel offers: the recommended catalogue model. */
  get recommended(): ModelInfo | undefined {
    return this.list.find((m) => m.recommended) ?? this.available[0];
  }

  /** The offline demo model, installed or not (the service always lists it). */
  get demo(): ModelInfo | undefined {
    return this.list.find((m) => m.source === 'demo');
  }

  /** The model tagging uses is the demo: its tags are colour names, and the window says so. */
  get usingDemo(): boolean {
    const chosen = settings.value?.model ?? null;
    const demo = this.demo;
    if (!demo?.installed) return false;
    // "Automatic" picks the first installed model: the demo, when it is the only one.
    return chosen === demo.id || (chosen === null && this.installed.length === 1);
  }

  /**
   * No model to tag with: none chosen and none installed, or a tagging job failed for want of one (code
   * model_not_found: the engine's word beats the list, which the service may not know about yet).
   */
  get missing(): boolean {
    if (jobs.list.some(failedForWantOfModel)) return true;
    return (
      this.loaded && settings.value !== null && settings.value.model === null && this.installed.length === 0
    );
  }

  /** The first-run panel shows: a model is missing (and the user did not put it aside), or one just came. */
  get firstRunVisible(): boolean {
    return this.offerTagNow || (this.missing && !this.firstRunDismissed);
  }

  /** The download the first-run panel shows (the progress bar then leaves it out). */
  get firstRunJob(): JobSnapshotInfo | undefined {
    const model = this.recommended;
    return model ? this.installJob(model.id) : undefined;
  }

  /** Jobs the first-run panel speaks for while it shows: its download and the runs that failed for want of a model. */
  shownByPanel(job: JobSnapshotInfo): boolean {
    if (!this.firstRunVisible) return false;
    return job.id === this.firstRunJob?.id || failedForWantOfModel(job);
  }

  /** The job installing this model, if one was started in this session. */
  installJob(modelId: string): JobSnapshotInfo | undefined {
    const jobId = this.installs.get(modelId);
    return jobId === undefined ? undefined : jobs.list.find((j) => j.id === jobId);
  }

  isInstalling(modelId: string): boolean {
    const job = this.installJob(modelId);
    return job !== undefined && isActive(job);
  }

  async load(): Promise<void> {
    try {
      this.list = await skiptag().listModels({});
      this.loaded = true;
    } catch {
      // Quietly: without the list the settings show no picker, and the engine still reports a missing model.
    }
  }

  async install(modelId: string): Promise<void> {
    if (this.isInstalling(modelId)) return;
    const job = await attempt('Could not start the download', () => skiptag().installModel({ id: modelId }));
    if (!job) return;
    this.installs = new Map([...this.installs, [modelId, job.id]]);
    jobs.upsert(job);
    // A progress event may have said it ended before the answer came.
    const latest = jobs.list.find((j) => j.id === job.id) ?? job;
    if (!isActive(latest)) await this.jobFinished(latest);
  }

  /** Builds the offline demo model (nothing to download); folders waiting for a model start at once. */
  async installDemo(): Promise<void> {
    if (this.buildingDemo) return;
    this.buildingDemo = true;
    try {
      const wasMissing = this.missing;
      const demo = await attempt('Could not set up the demo model', () => skiptag().installDemoModel({}));
      if (!demo) return;
      jobs.forget(failedForWantOfModel);
      await Promise.all([this.load(), settings.load(), jobs.load()]);
      const tagging = jobs.list.some((j) => isActive(j) && jobGroup(j.kind) === 'tag');
      notices.info(
        `The colour demo model is ready${tagging ? ': tagging your photos with colour names now.' : '.'}`,
      );
      if (wasMissing && !tagging && folders.list.length > 0) this.offerTagNow = true;
    } finally {
      this.buildingDemo = false;
    }
  }

  /**
   * Imports .onnx files the user dropped or picked (with a labels file beside them for models without
   * ImageNet's 1,000 classes). The preload turns the File objects into paths; the service checks each model by
   * running it, makes the first one the model when none is chosen, and starts what waited for one.
   */
  async importFiles(files: readonly File[]): Promise<void> {
    const onnx = files.filter((f) => f.name.toLowerCase().endsWith('.onnx'));
    if (onnx.length === 0) {
      notices.info(
        'Choose an .onnx model file (with its labels file for a model without 1,000 ImageNet classes).',
      );
      return;
    }
    if (this.importing) return;
    this.importing = true;
    try {
      const wasMissing = this.missing;
      const done = await attempt('Could not import the model', () => skiptag().addDroppedFiles(files));
      if (!done) return;
      jobs.forget(failedForWantOfModel);
      await Promise.all([this.load(), settings.load(), jobs.load()]);
      const tagging = jobs.list.some((j) => isActive(j) && jobGroup(j.kind) === 'tag');
      const names = onnx.map((f) => f.name).join(', ');
      notices.info(`Imported ${names}${tagging ? ': tagging your photos now.' : '.'}`);
      if (wasMissing && !tagging && folders.list.length > 0) this.offerTagNow = true;
    } finally {
      this.importing = false;
    }
  }

  async cancel(modelId: string): Promise<void> {
    const job = this.installJob(modelId);
    if (job && isActive(job)) await jobs.cancel(job);
  }

  /** Catalogue model id → its speed timed on this computer before download (null: being timed). */
  speedsHere = $state.raw<
    ReadonlyMap<string, { imagesPerSecond: number | null; note: string | null } | null>
  >(new Map());

  /**
   * Times a catalogue model's network on this computer (once per model and session; the service remembers
   * it between sessions). Never a notice on failure: the offer stands without a speed.
   */
  async timeHere(modelId: string): Promise<void> {
    if (this.speedsHere.has(modelId)) return;
    this.speedsHere = new Map([...this.speedsHere, [modelId, null]]);
    let answer: { imagesPerSecond: number | null; note: string | null };
    try {
      answer = await skiptag().modelSpeedHere({ id: modelId });
    } catch (error) {
      answer = { imagesPerSecond: null, note: error instanceof Error ? error.message : String(error) };
    }
    this.speedsHere = new Map([...this.speedsHere, [modelId, answer]]);
  }

  /** Model id → the job making its int8 copy (kept after it ends, so its outcome stays visible). */
  quantizes = $state.raw<ReadonlyMap<string, number>>(new Map());

  /** The job making this model's int8 copy, if one was started in this session. */
  quantizeJob(modelId: string): JobSnapshotInfo | undefined {
    const jobId = this.quantizes.get(modelId);
    return jobId === undefined ? undefined : jobs.list.find((j) => j.id === jobId);
  }

  /** Starts an int8 copy of an installed model (models quantize): a job; the copy joins the models list. */
  async quantize(modelId: string): Promise<void> {
    const job = await attempt('Could not start the int8 copy', () =>
      skiptag().quantizeModel({ id: modelId }),
    );
    if (!job) return;
    this.quantizes = new Map([...this.quantizes, [modelId, job.id]]);
    jobs.upsert(job);
  }

  /** Called for every job that ends (see sync.ts): a finished install brings the new model in. */
  async jobFinished(job: JobSnapshotInfo): Promise<void> {
    if (job.kind === 'model-quantize') {
      // The int8 copy is a new installed model: the list (and the settings' choices) show it.
      if (job.state === 'done') await this.load();
      return;
    }
    const modelId = [...this.installs].find(([, jobId]) => jobId === job.id)?.[0];
    if (modelId === undefined || job.state !== 'done') return;
    const wasMissing = this.missing;
    // The tagging runs that failed for want of a model are answered now; their errors would only confuse.
    jobs.forget(failedForWantOfModel);
    // The service may already have re-run what failed for want of a model: the job list says.
    await Promise.all([this.load(), settings.load(), jobs.load()]);
    const name = this.list.find((m) => m.id === modelId)?.name ?? modelId;
    const tagging = jobs.list.some((j) => isActive(j) && jobGroup(j.kind) === 'tag');
    notices.info(`${name} is installed${tagging ? ': tagging your photos now.' : '.'}`);
    if (wasMissing && !tagging && folders.list.length > 0) this.offerTagNow = true;
  }

  /** Tags the library with the new model: a rescan of each folder picks up every photo not tagged yet. */
  async tagNow(): Promise<void> {
    this.offerTagNow = false;
    for (const folder of folders.list) await folders.rescan(folder);
  }

  reset(): void {
    this.list = [];
    this.loaded = false;
    this.installs = new Map();
    this.firstRunDismissed = false;
    this.offerTagNow = false;
    this.buildingDemo = false;
    this.importing = false;
    folders.waitingForModel = () => this.missing;
  }
}

export const models = new ModelsStore();
