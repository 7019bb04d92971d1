// Tests for the settings dialog (renderer): provider in use and the saved fields, the model picker and installs,
// the providers check, and the XMP options.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { installFakeSkiptag } from '../test-support/fake-skiptag';
import { models } from '../lib/stores/models.svelte';
import { settings } from '../lib/stores/settings.svelte';
import { startSync } from '../lib/stores/sync';
import SettingsDialog from './SettingsDialog.svelte';

async function openSettings(): Promise<HTMLElement> {
  await Promise.all([settings.load(), models.load()]);
  settings.dialogOpen = true;
  render(SettingsDialog);
  return screen.getByRole('dialog', { name: 'Settings' });
}

/** The job id of the install the store started: the click returns before the request has answered. */
async function installStarted(modelId: string): Promise<number> {
  await waitFor(() => expect(models.installs.has(modelId)).toBe(true));
  return models.installs.get(modelId) as number;
}

describe('SettingsDialog', () => {
  it('shows the provider in use and saves provider, threshold and top-k', async () => {
    const fake = installFakeSkiptag();
    const dialog = await openSettings();
    expect(dialog.textContent).toContain('In use now: cpu');
    await fireEvent.change(screen.getByLabelText('Execution provider'), { target: { value: 'webgpu' } });
    await fireEvent.input(screen.getByLabelText('Hide suggestions below (%)'), { target: { value: '20' } });
    await fireEvent.input(screen.getByLabelText('Tags kept per photo (top-k)'), { target: { value: '3' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(fake.api.setSettings).toHaveBeenCalledWith({
      model: 'colours',
      ep: 'webgpu',
      threshold: 0.2,
      topK: 3,
      xmpMode: 'sidecar',
      xmpNaming: 'ext',
      xmpMinScore: 0,
      pairPrimary: 'raw',
    });
    await waitFor(() => expect(settings.dialogOpen).toBe(false));
    expect(settings.value?.ep).toBe('webgpu');
  });

  it('picks among installed models and installs catalogue models with progress', async () => {
    const fake = installFakeSkiptag();
    const stop = startSync();
    await openSettings();
    const picker = screen.getByLabelText('Model for tagging') as HTMLSelectElement;
    expect([...picker.options].map((o) => o.textContent)).toEqual([
      'Automatic (the first installed model)',
      'Colours demo (bundled)',
    ]);
    expect(picker.value).toBe('colours');

    const recommended = screen.getByRole('list', { name: 'Recommended download' });
    expect(recommended.textContent?.replace(/\s+/g, ' ')).toContain(
      'ResNet-50 Recommended 102 MB · 75.8% ImageNet top-1',
    );
    const more = screen.getByRole('list', { name: 'More models to download' });
    const row = within(more).getByRole('listitem');
    expect(row.textContent).toContain('ResNet-18');
    expect(row.textContent).toContain('47 MB · 69.9% ImageNet top-1');
    expect(screen.getByText('More models to download (1)')).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Install ResNet-18' }));
    expect(fake.api.installModel).toHaveBeenCalledWith({ id: 'resnet18-v1-7' });
    const jobId = await installStarted('resnet18-v1-7');
    fake.emitProgress({
      id: jobId,
      kind: 'model-install',
      state: 'running',
      progress: {
        done: 4_000_000,
        total: 46_820_737,
        failed: 0,
        rate: 2e6,
        etaSeconds: 21,
        current: 'downloading',
      },
      error: null,
    });
    expect((more.closest('details') as HTMLDetailsElement).open).toBe(true);
    await within(row).findByRole('progressbar', { name: 'Downloading ResNet-18' });
    expect(row.textContent).toContain('4.0 MB of 47 MB');
    expect(within(row).queryByRole('button', { name: 'Install ResNet-18' })).toBeNull();

    fake.finishInstall(jobId, 'done');
    await waitFor(() =>
      expect([...picker.options].map((o) => o.value)).toEqual(['', 'colours', 'resnet18-v1-7']),
    );
    await fireEvent.change(picker, { target: { value: 'resnet18-v1-7' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(fake.api.setSettings).toHaveBeenCalledWith(expect.objectContaining({ model: 'resnet18-v1-7' }));
    stop();
  });

  it('makes an int8 copy of the chosen model as a job, and says when it is ready', async () => {
    const fake = installFakeSkiptag();
    const stop = startSync();
    await openSettings();
    const make = screen.getByRole('button', { name: 'Make an int8 copy' });
    await fireEvent.click(make);
    expect(fake.api.quantizeModel).toHaveBeenCalledWith({ id: 'colours' });
    await waitFor(() => expect(models.quantizes.has('colours')).toBe(true));
    const jobId = models.quantizes.get('colours') as number;
    const job = (state: 'running' | 'done', done: number) => ({
      id: jobId,
      kind: 'model-quantize' as const,
      state,
      progress: {
        done,
        total: 35,
        failed: 0,
        rate: 1,
        etaSeconds: null,
        current: 'decoding calibration photos',
      },
      error: null,
    });
    fake.emitProgress(job('running', 3));
    await waitFor(() =>
      expect(
        (screen.getByRole('button', { name: 'Making an int8 copy…' }) as HTMLButtonElement).disabled,
      ).toBe(true),
    );
    fake.emitProgress(job('done', 35));
    expect((await screen.findByRole('status')).textContent).toContain('The int8 copy is ready');
    stop();
  });

  it('checks the providers: which work and how fast, which do not and why, and where the data lives', async () => {
    const fake = installFakeSkiptag();
    await openSettings();
    await fireEvent.click(screen.getByRole('button', { name: 'Check providers' }));
    expect(fake.api.getDoctorReport).toHaveBeenCalledWith({ benchSeconds: 2 });
    const table = await screen.findByRole('table', { name: 'Execution providers on this computer' });
    const text = (provider: string): string =>
      table.querySelector(`[data-provider="${provider}"]`)?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
    expect(text('cpu')).toBe('cpu in use Works: 42 images/s · int8: 132 images/s');
    expect(text('cuda')).toBe('cuda Not available: no NVIDIA driver');
    expect(text('webgpu')).toBe('webgpu Does not load: adapter request failed');
    // Each installed model, timed on each provider that works.
    const speeds = screen.getByRole('table', { name: 'Installed models timed on this computer' });
    const speed = (key: string): string[] =>
      [...(speeds.querySelector<HTMLTableRowElement>(`[data-model-speed="${key}"]`)?.cells ?? [])].map(
        (cell) => cell.textContent?.replace(/\s+/g, ' ').trim() ?? '',
      );
    expect(speed('resnet50-v2-7 cpu')).toEqual(['resnet50-v2-7', 'cpu', '25 photos/s']);
    expect(speed('resnet50-v2-7-int8 cpu')).toEqual(['resnet50-v2-7-int8', 'cpu', '86 photos/s']);
    expect(speed('broken-import cpu')).toEqual([
      'broken-import',
      'cpu',
      'could not be timed: bad input shape',
    ]);
    const dialog = screen.getByRole('dialog', { name: 'Settings' });
    expect(dialog.textContent).toContain('/home/me/.local/share/skiptag/library.db');
    expect(dialog.textContent).toContain('/home/me/.local/share/skiptag/models');
    expect(dialog.textContent).toContain('ONNX Runtime 1.30.0');
    // On a machine without a working GPU, the int8 advice with its measured speed.
    expect(screen.getByTestId('int8-advice').textContent).toContain('make an int8 copy');
  });

  it('reports a failed providers check', async () => {
    const fake = installFakeSkiptag();
    fake.api.getDoctorReport.mockRejectedValueOnce(new Error('onnxruntime did not load'));
    await openSettings();
    await fireEvent.click(screen.getByRole('button', { name: 'Check providers' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('onnxruntime did not load'));
  });

  it('saves the XMP options: embedding is opt-in with a warning, and sidecar names apply to sidecars only', async () => {
    const fake = installFakeSkiptag();
    await openSettings();
    const sidecar = screen.getByLabelText(/Sidecar files beside the photos/) as HTMLInputElement;
    const embed = screen.getByLabelText(/Embed in the photo files/) as HTMLInputElement;
    const extNames = screen.getByLabelText(/photo\.jpg\.xmp/) as HTMLInputElement;
    expect(sidecar.checked).toBe(true);
    expect(extNames.checked).toBe(true);
    expect(embed.getAttribute('aria-describedby')).toBeTruthy();
    const warning = document.getElementById(embed.getAttribute('aria-describedby') ?? '');
    expect(warning?.textContent?.replace(/\s+/g, ' ')).toContain('keep a backup');

    await fireEvent.click(screen.getByLabelText(/photo\.xmp \(Lightroom/));
    await fireEvent.input(screen.getByLabelText('Also write suggestions scoring at least (%)'), {
      target: { value: '40' },
    });
    await fireEvent.click(embed);
    expect(warning?.classList.contains('active')).toBe(true);
    const naming = screen.getByRole('group', { name: 'Sidecar names' }) as HTMLFieldSetElement;
    expect(naming.disabled).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(fake.api.setSettings).toHaveBeenCalledWith(
      expect.objectContaining({ xmpMode: 'embed', xmpNaming: 'replace', xmpMinScore: 0.4 }),
    );
  });
});
