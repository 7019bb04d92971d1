// Tests for the job progress bar (renderer): live snapshots show rate and ETA; pause, resume and cancel call the API.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
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
});
