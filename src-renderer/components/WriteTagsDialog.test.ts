// Tests for writing tags to files (renderer): the review bar's action needs a selection, the dialog sends the selected
// ids (or a dry run), and the job's progress shows in the progress bar with its own words.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { JobSnapshotInfo } from '$contract';
import { installFakeSkiptag } from '../test-support/fake-skiptag';
import App from '../App.svelte';

const xmpJob = (
  id: number,
  patch: Partial<JobSnapshotInfo>,
  done: number,
  total: number,
): JobSnapshotInfo => ({
  id,
  kind: 'xmp-write',
  state: 'running',
  progress: { done, total, failed: 0, rate: 25, etaSeconds: 3, current: '/photos/p2.jpg' },
  error: null,
  ...patch,
});

describe('Write tags to files', () => {
  it('is disabled without a selection, then writes the selected photos’ tags as a job with progress', async () => {
    const fake = installFakeSkiptag({ count: 6 });
    render(App);
    await waitFor(() => expect(screen.getAllByRole('gridcell')).toHaveLength(6));
    const action = screen.getByRole('button', { name: 'Write tags to files…' }) as HTMLButtonElement;
    expect(action.disabled).toBe(true);

    await fireEvent.click(screen.getAllByRole('gridcell')[1] as HTMLElement);
    await fireEvent.click(screen.getAllByRole('gridcell')[3] as HTMLElement, { ctrlKey: true });
    await waitFor(() => expect(screen.getByText('2 photos selected')).toBeTruthy());
    expect(action.disabled).toBe(false);
    await fireEvent.click(action);
    const dialog = screen.getByRole('dialog', { name: 'Write tags to files' });
    expect(dialog.textContent).toContain('2 selected photos');
    expect(dialog.textContent).toContain('photo.jpg.xmp');
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Write tags' }));
    expect(fake.api.writeTagsToFiles).toHaveBeenCalledWith({ imageIds: [2, 4], dryRun: false });
    await waitFor(() => expect(screen.queryByRole('dialog', { name: 'Write tags to files' })).toBeNull());

    const jobId = (await fake.api.writeTagsToFiles.mock.results[0]?.value)?.id ?? 0;
    fake.emitProgress(xmpJob(jobId, {}, 1, 2));
    const bar = await screen.findByRole('region', { name: 'Writing tags progress' });
    await waitFor(() => expect(bar.textContent).toContain('Writing tags to files'));
    expect(bar.textContent).toContain('1 / 2');
    expect(bar.textContent).toContain('25 files/s');
    expect(within(bar).getByRole('progressbar', { name: 'Files written' })).toBeTruthy();
    fake.emitProgress(xmpJob(jobId, { state: 'done' }, 2, 2));
    await waitFor(() => expect(bar.textContent).toContain('Tags written to files'));
  });

  it('runs a dry run, worded as one, and the settings are a click away', async () => {
    const fake = installFakeSkiptag({ count: 3, settings: { xmpMode: 'embed', xmpMinScore: 0.5 } });
    render(App);
    await waitFor(() => expect(screen.getAllByRole('gridcell')).toHaveLength(3));
    await fireEvent.click(screen.getByRole('button', { name: 'Select all' }));
    await waitFor(() => expect(screen.getByText('3 photos selected')).toBeTruthy());
    await fireEvent.click(screen.getByRole('button', { name: 'Write tags to files…' }));
    let dialog = screen.getByRole('dialog', { name: 'Write tags to files' });
    expect(dialog.textContent).toContain('Embedded in the photo files');
    expect(dialog.textContent).toContain('suggestions scoring at least 50%');
    expect(within(dialog).getByRole('note').textContent).toContain('keep a backup');

    await fireEvent.click(within(dialog).getByLabelText(/Dry run/));
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Check' }));
    expect(fake.api.writeTagsToFiles).toHaveBeenCalledWith({ imageIds: [1, 2, 3], dryRun: true });
    const job = await fake.api.writeTagsToFiles.mock.results[0]?.value;
    fake.emitProgress(xmpJob(job?.id ?? 0, { state: 'done' }, 3, 3));
    const bar = await screen.findByRole('region', { name: 'Writing tags progress' });
    await waitFor(() => expect(bar.textContent).toContain('Dry run finished: no file was changed'));

    await fireEvent.click(screen.getByRole('button', { name: 'Write tags to files…' }));
    dialog = screen.getByRole('dialog', { name: 'Write tags to files' });
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Change these in Settings…' }));
    await waitFor(() => expect(screen.getByRole('dialog', { name: 'Settings' })).toBeTruthy());
    expect(screen.queryByRole('dialog', { name: 'Write tags to files' })).toBeNull();
  });

  it('reports a request the service refused', async () => {
    const fake = installFakeSkiptag({ count: 2 });
    fake.api.writeTagsToFiles.mockRejectedValueOnce(new Error('exiftool is not available'));
    render(App);
    await waitFor(() => expect(screen.getAllByRole('gridcell')).toHaveLength(2));
    await fireEvent.click(screen.getAllByRole('gridcell')[0] as HTMLElement);
    await fireEvent.click(screen.getByRole('button', { name: 'Write tags to files…' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Write tags' }));
    await waitFor(() =>
      expect(
        screen
          .getAllByRole('alert')
          .map((a) => a.textContent)
          .join(' '),
      ).toContain('Could not write tags to files: exiftool is not available'),
    );
    // The dialog stays open so the user can try again or cancel.
    expect(screen.getByRole('dialog', { name: 'Write tags to files' })).toBeTruthy();
  });
});
