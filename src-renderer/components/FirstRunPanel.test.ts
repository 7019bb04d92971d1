// Tests for the first-run panel (renderer): offers the recommended model with its size, downloads it with progress
// and cancel, then gets out of the way (or offers to tag the folders); also shown when tagging failed for want of one.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { JobSnapshotInfo } from '$contract';
import { installFakeSkiptag, makeModels } from '../test-support/fake-skiptag';
import { loadAll, startSync } from '../lib/stores/sync';
import { models } from '../lib/stores/models.svelte';
import FirstRunPanel from './FirstRunPanel.svelte';
import ProgressBar from './ProgressBar.svelte';

const noop = (): void => {};

/** The job id of the install the store started: the click returns before the request has answered. */
async function installStarted(modelId: string): Promise<number> {
  await waitFor(() => expect(models.installs.has(modelId)).toBe(true));
  return models.installs.get(modelId) as number;
}

/** A fresh install: no model chosen, none installed. */
function firstRun(count = 3) {
  const list = makeModels().map((m) => ({ ...m, installed: false }));
  return installFakeSkiptag({ count, models: list, settings: { model: null, providerInUse: null } });
}

const downloading = (id: number, done: number, total: number): JobSnapshotInfo => ({
  id,
  kind: 'model-install',
  state: 'running',
  progress: { done, total, failed: 0, rate: 5_000_000, etaSeconds: 10, current: 'downloading' },
  error: null,
});

describe('FirstRunPanel', () => {
  it('offers the recommended model with its size and accuracy, and shows the download with cancel', async () => {
    const fake = firstRun();
    const stop = startSync();
    await loadAll();
    render(FirstRunPanel, { onchoose: noop });
    const panel = screen.getByRole('region', { name: 'Skiptag needs an image model' });
    expect(panel.textContent).toContain(
      'Download the recommended ResNet-50 (102 MB, 75.8% ImageNet accuracy)?',
    );

    await fireEvent.click(within(panel).getByRole('button', { name: 'Download' }));
    expect(fake.api.installModel).toHaveBeenCalledWith({ id: 'resnet50-v2-7' });
    const jobId = await installStarted('resnet50-v2-7');
    fake.emitProgress(downloading(jobId, 51_221_226, 102_442_452));
    const bar = await within(panel).findByRole('progressbar', { name: 'Downloading ResNet-50' });
    expect((bar as HTMLProgressElement).value).toBe(51_221_226);
    expect(panel.textContent).toContain('51 MB of 102 MB');
    expect(panel.textContent).toContain('5.0 MB/s');
    expect(panel.textContent).toContain('ETA 0:10');
    expect(panel.querySelector('[aria-live="polite"]')?.textContent).toBe(
      'Downloading ResNet-50, 50% done: downloading',
    );
    // Keyboard focus follows the panel's controls as they change.
    await waitFor(() => expect(document.activeElement?.textContent).toContain('Cancel'));

    await fireEvent.click(within(panel).getByRole('button', { name: 'Cancel' }));
    expect(fake.api.cancelJob).toHaveBeenCalledWith({ jobId });
    fake.finishInstall(jobId, 'cancelled');
    await waitFor(() => expect(panel.textContent).toContain('Download cancelled.'));
    expect(within(panel).getByRole('button', { name: 'Try again' })).toBeTruthy();
    stop();
  });

  it('times the offered model on this computer before it is downloaded', async () => {
    const fake = firstRun();
    models.speedsHere = new Map();
    let answer: (value: { imagesPerSecond: number | null; note: string | null }) => void = noop;
    fake.api.modelSpeedHere.mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    const stop = startSync();
    await loadAll();
    render(FirstRunPanel, { onchoose: noop });
    const note = await screen.findByTestId('speed-here');
    await waitFor(() => expect(note.textContent?.trim()).toBe('Timing it on this computer…'));
    expect(fake.api.modelSpeedHere).toHaveBeenCalledWith({ id: 'resnet50-v2-7' });
    answer({ imagesPerSecond: 41.6, note: null });
    await waitFor(() =>
      expect(note.textContent?.replace(/\s+/g, ' ').trim()).toBe(
        'On this computer it tags about 42 photos/s on the processor (timed here with the same network).',
      ),
    );
    // Asked once per model: the panel showing again does not time it again.
    expect(fake.api.modelSpeedHere).toHaveBeenCalledTimes(1);
    stop();
  });

  it('says nothing about speed when the model could not be timed', async () => {
    const fake = firstRun();
    models.speedsHere = new Map();
    fake.api.modelSpeedHere.mockResolvedValueOnce({
      imagesPerSecond: null,
      note: 'not timed before download',
    });
    const stop = startSync();
    await loadAll();
    render(FirstRunPanel, { onchoose: noop });
    await waitFor(() => expect(models.speedsHere.get('resnet50-v2-7')).toBeTruthy());
    expect(screen.getByTestId('speed-here').textContent?.trim()).toBe('');
    stop();
  });

  it('disappears once the model is installed and offers to tag the folders already added', async () => {
    const fake = firstRun();
    const stop = startSync();
    await loadAll();
    render(FirstRunPanel, { onchoose: noop });
    await fireEvent.click(screen.getByRole('button', { name: 'Download' }));
    const jobId = await installStarted('resnet50-v2-7');
    fake.emitProgress(downloading(jobId, 1000, 102_442_452));
    await screen.findByRole('progressbar');

    fake.finishInstall(jobId, 'done');
    const ready = await screen.findByRole('region', { name: 'ResNet-50 is installed' });
    expect(screen.queryByRole('region', { name: 'Skiptag needs an image model' })).toBeNull();
    expect(ready.textContent).toContain('Tag the photos in your 1 folder now?');
    await fireEvent.click(within(ready).getByRole('button', { name: 'Tag now' }));
    expect(fake.api.rescan).toHaveBeenCalledWith({ folderId: 1 });
    await waitFor(() => expect(screen.queryByRole('region')).toBeNull());
    stop();
  });

  it('says nothing about tagging when the service already re-runs it, and a failed download can be retried', async () => {
    const fake = firstRun();
    const stop = startSync();
    await loadAll();
    render(FirstRunPanel, { onchoose: noop });
    await fireEvent.click(screen.getByRole('button', { name: 'Download' }));
    let jobId = await installStarted('resnet50-v2-7');
    fake.finishInstall(jobId, 'failed', 'connection reset');
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('connection reset'));

    await fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    jobId = await installStarted('resnet50-v2-7');
    fake.api.listJobs.mockResolvedValue([
      { ...downloading(99, 0, 1), kind: 'tag', progress: { ...downloading(99, 0, 1).progress, total: null } },
    ]);
    fake.finishInstall(jobId, 'done');
    await waitFor(() => expect(screen.queryByRole('region')).toBeNull());
    expect(fake.api.rescan).not.toHaveBeenCalled();
    stop();
  });

  it('shows when a tagging run failed for want of a model, speaking for that run until put aside', async () => {
    const fake = installFakeSkiptag({ count: 2 });
    const stop = startSync();
    await loadAll();
    const choose = { called: 0 };
    render(FirstRunPanel, { onchoose: () => choose.called++ });
    render(ProgressBar, { hidden: (job: JobSnapshotInfo) => models.shownByPanel(job) });
    expect(screen.queryByRole('region', { name: 'Skiptag needs an image model' })).toBeNull();

    fake.emitProgress({
      id: 5,
      kind: 'tag',
      state: 'failed',
      progress: { done: 0, total: null, failed: 0, rate: 0, etaSeconds: null, current: null },
      error: {
        code: 'model_not_found',
        message: 'No model found. Skiptag needs an ONNX image classifier. Either:\n  - install …',
      },
    });
    const panel = await screen.findByRole('region', { name: 'Skiptag needs an image model' });
    // The panel says it all: no second, command-line worded message in the progress bar.
    expect(screen.queryByRole('region', { name: 'Tagging progress' })).toBeNull();

    await fireEvent.click(within(panel).getByRole('button', { name: 'Other models…' }));
    expect(choose.called).toBe(1);
    await fireEvent.click(within(panel).getByRole('button', { name: 'Not now' }));
    expect(screen.queryByRole('region', { name: 'Skiptag needs an image model' })).toBeNull();
    const bar = await screen.findByRole('region', { name: 'Tagging progress' });
    expect(within(bar).getByRole('alert').textContent).toContain('No image model is installed yet');
    expect(bar.querySelector('progress')).toBeNull();
    stop();
  });

  it('knows a missing model by the error code, never by the words of the message', async () => {
    const fake = installFakeSkiptag({ count: 2 });
    const stop = startSync();
    await loadAll();
    render(FirstRunPanel, { onchoose: noop });
    render(ProgressBar, { hidden: (job: JobSnapshotInfo) => models.shownByPanel(job) });
    const failed = (id: number, code: 'failed' | 'model_not_found', message: string): JobSnapshotInfo => ({
      id,
      kind: 'watch',
      state: 'failed',
      progress: { done: 0, total: null, failed: 0, rate: 0, etaSeconds: null, current: null },
      error: { code, message },
    });

    // Worded like the first-run message, but another failure: the bar shows it as it is.
    fake.emitProgress(failed(6, 'failed', 'No model found in the backup drive'));
    const bar = await screen.findByRole('region', { name: 'Tagging progress' });
    expect(within(bar).getByRole('alert').textContent).toBe('No model found in the backup drive');
    expect(models.missing).toBe(false);
    expect(screen.queryByRole('region', { name: 'Skiptag needs an image model' })).toBeNull();

    // Worded any way at all, model_not_found brings the panel, which then speaks for the run.
    fake.emitProgress(failed(7, 'model_not_found', 'model file not found: /gone/resnet50.onnx'));
    await screen.findByRole('region', { name: 'Skiptag needs an image model' });
    expect(models.missing).toBe(true);
    await waitFor(() =>
      expect(within(bar).getByRole('alert').textContent).toBe('No model found in the backup drive'),
    );
    stop();
  });

  it('imports a model file the user picks, and offers the offline demo', async () => {
    const fake = firstRun();
    const stop = startSync();
    await loadAll();
    render(FirstRunPanel, { onchoose: noop });
    const panel = screen.getByRole('region', { name: 'Skiptag needs an image model' });
    expect(within(panel).getByRole('button', { name: 'Import a model file…' })).toBeTruthy();
    const input = panel.querySelector('input[type=file]') as HTMLInputElement;
    const model = new File(['onnx'], 'birds.onnx');
    const labels = new File(['robin'], 'birds.labels.txt');
    fake.api.addDroppedFiles.mockImplementationOnce(async () => {
      const birds = fake.models.find((m) => m.id === 'colours');
      if (birds) birds.installed = true;
      return [];
    });
    await fireEvent.change(input, { target: { files: [model, labels] } });
    await waitFor(() => expect(fake.api.addDroppedFiles).toHaveBeenCalledWith([model, labels]));
    await waitFor(() =>
      expect(screen.queryByRole('region', { name: 'Skiptag needs an image model' })).toBeNull(),
    );

    // A file that is not a model is not sent.
    await models.importFiles([new File(['x'], 'notes.txt')]);
    expect(fake.api.addDroppedFiles).toHaveBeenCalledTimes(1);
    stop();
  });

  it('builds the offline demo model with one click', async () => {
    const fake = firstRun();
    const stop = startSync();
    await loadAll();
    render(FirstRunPanel, { onchoose: noop });
    await fireEvent.click(screen.getByRole('button', { name: 'Use the offline demo model' }));
    await waitFor(() => expect(fake.api.installDemoModel).toHaveBeenCalledWith({}));
    await waitFor(() =>
      expect(screen.queryByRole('region', { name: 'Skiptag needs an image model' })).toBeNull(),
    );
    expect(models.usingDemo).toBe(true);
    stop();
  });
});
