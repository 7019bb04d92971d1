// Tests for the job progress bar (renderer): live snapshots show rate and ETA; pause, resume and cancel call the API.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { JobSnapshotInfo } from '$contract';
import { installFakeSkiptag } from '../test-support/fake-skiptag';
import { startSync } from '../lib/stores/sync';
import ProgressBar from './ProgressBar.svelte';

const snapshot = (
  patch: Partial<JobSnapshotInfo> = {},
  progress: Partial<JobSnapshotInfo['progress']> = {},
) =>
  ({
    id: 3,
    kind: 'tag',
    state: 'running',
    error: null,
    ...patch,
    progress: {
      done: 120,
      total: 480,
      failed: 2,
      rate: 12.4,
      etaSeconds: 29,
      current: '/p/a.jpg',
      ...progress,
    },
  }) satisfies JobSnapshotInfo;

describe('ProgressBar', () => {
  it('follows progress events: counts, rate, ETA, failures, and a polite announcement', async () => {
    const fake = installFakeSkiptag();
    const stop = startSync();
    render(ProgressBar);
    expect(screen.queryByRole('region')).toBeNull();
    fake.emitProgress(snapshot());
    const bar = await screen.findByRole('region', { name: 'Tagging progress' });
    expect(bar.textContent).toContain('120 / 480');
    expect(bar.textContent).toContain('12 photos/s');
    expect(bar.textContent).toContain('ETA 0:29');
    expect(bar.textContent).toContain('2 failed');
    expect(bar.querySelector('[aria-live="polite"]')?.textContent).toBe('Tagging photos, 25% done');
    expect((bar.querySelector('progress') as HTMLProgressElement).value).toBe(120);

    await fireEvent.click(screen.getByRole('button', { name: 'Pause' }));
    expect(fake.api.pauseJob).toHaveBeenCalledWith({ jobId: 3 });
    await waitFor(() => expect(screen.getByRole('button', { name: 'Resume' })).toBeTruthy());
    await fireEvent.click(screen.getByRole('button', { name: 'Resume' }));
    expect(fake.api.resumeJob).toHaveBeenCalledWith({ jobId: 3 });
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(fake.api.cancelJob).toHaveBeenCalledWith({ jobId: 3 });

    fake.emitProgress(snapshot({ state: 'cancelled' }, { done: 130 }));
    await waitFor(() => expect(bar.textContent).toContain('Cancelled'));
    // A finished job refreshes the lists that depend on it.
    expect(fake.api.listErrors).toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('region')).toBeNull();
    stop();
  });

  it('words a model download in bytes, without pause, and leaves out jobs shown elsewhere', async () => {
    const fake = installFakeSkiptag();
    const stop = startSync();
    const { rerender } = render(ProgressBar);
    fake.emitProgress(
      snapshot(
        { id: 8, kind: 'model-install' },
        {
          done: 20_000_000,
          total: 102_442_452,
          failed: 0,
          rate: 4_000_000,
          etaSeconds: 21,
          current: 'downloading',
        },
      ),
    );
    const bar = await screen.findByRole('region', { name: 'Model download progress' });
    expect(bar.textContent).toContain('Downloading model');
    expect(bar.textContent).toContain('20 MB / 102 MB');
    expect(bar.textContent).toContain('4.0 MB/s');
    expect(within(bar).getByRole('progressbar', { name: 'Model downloaded' })).toBeTruthy();
    expect(within(bar).queryByRole('button', { name: 'Pause' })).toBeNull();
    expect(within(bar).getByRole('button', { name: 'Cancel' })).toBeTruthy();

    await rerender({ hidden: (job: JobSnapshotInfo) => job.id === 8 });
    expect(screen.queryByRole('region', { name: 'Model download progress' })).toBeNull();
    stop();
  });
});
