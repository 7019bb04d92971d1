// Tests for the app shell (renderer): states, drop-anywhere, detail panel, bulk review with undo via keys and buttons.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { installFakeSkiptag } from './test-support/fake-skiptag';
import App from './App.svelte';

describe('App', () => {
  it('invites a first drop when the library is empty', async () => {
    const fake = installFakeSkiptag({ count: 0 });
    fake.folders.length = 0;
    render(App);
    await waitFor(() => expect(screen.getByRole('heading', { name: 'No photos yet' })).toBeTruthy());
    await fireEvent.click(screen.getAllByRole('button', { name: 'Add folder…' })[1] as HTMLElement);
    expect(fake.api.pickFolders).toHaveBeenCalledWith({});
  });

  it('shows feedback while files are dragged over the window and hands dropped files to the preload', async () => {
    const fake = installFakeSkiptag({ count: 3 });
    let finish: (v: never[]) => void = () => {};
    fake.api.addDroppedFiles.mockImplementationOnce(() => new Promise((resolve) => (finish = resolve)));
    render(App);
    const file = new File(['x'], 'photos', { type: '' });
    const dataTransfer = { types: ['Files'], files: [file], dropEffect: 'none' };
    await fireEvent.dragEnter(window, { dataTransfer });
    expect(screen.getByText('Drop folders or photos to add them')).toBeTruthy();
    await fireEvent.drop(window, { dataTransfer });
    expect(screen.getByText('Adding 1 item…')).toBeTruthy();
    expect(fake.api.addDroppedFiles).toHaveBeenCalledWith([file]);
    finish([]);
    await waitFor(() => expect(screen.queryByText('Adding 1 item…')).toBeNull());
  });

  it('filters by tag and band, accepts the selection in bulk, and Ctrl+Z / the Redo button undo and redo it', async () => {
    const fake = installFakeSkiptag({ count: 9 });
    render(App);
    await waitFor(() => expect(screen.getAllByRole('gridcell')).toHaveLength(9));
    await fireEvent.input(screen.getByRole('combobox', { name: 'Tag' }), { target: { value: 'red' } });
    await fireEvent.change(screen.getByRole('combobox', { name: 'Tag' }));
    const min = screen.getByRole('spinbutton', { name: /Minimum confidence/ });
    await fireEvent.change(min, { target: { value: '50' } });
    // Red photos are 1, 4, 7 with scores 0.30, 0.71, 0.42: only photo 4 is in the 50–100% band.
    await waitFor(() => expect(screen.getAllByRole('gridcell')).toHaveLength(1));
    expect(fake.api.queryImages).toHaveBeenLastCalledWith(
      expect.objectContaining({ filter: { review: 'all', tag: 'red', minScore: 0.5 } }),
    );

    await fireEvent.click(screen.getByRole('button', { name: 'Select all' }));
    await waitFor(() => expect(screen.getByText('1 photo selected')).toBeTruthy());
    await fireEvent.click(screen.getByRole('button', { name: /Accept “red”/ }));
    await waitFor(() =>
      expect(screen.getByRole('gridcell').querySelector('[data-tag="red"]')?.getAttribute('data-state')).toBe(
        'accepted',
      ),
    );
    expect(fake.api.setTagState).toHaveBeenCalledWith({ imageIds: [4], tag: 'red', state: 'accepted' });

    await fireEvent.keyDown(window, { key: 'z', ctrlKey: true });
    await waitFor(() => expect(fake.chip(4, 'red')?.state).toBe('suggested'));
    await fireEvent.click(screen.getByRole('button', { name: /Redo/ }));
    await waitFor(() => expect(fake.chip(4, 'red')?.state).toBe('accepted'));
  });

  it('opens the detail panel with predictions and lets the user add a tag', async () => {
    const fake = installFakeSkiptag({ count: 2 });
    render(App);
    await waitFor(() => expect(screen.getAllByRole('gridcell')).toHaveLength(2));
    await fireEvent.dblClick(screen.getAllByRole('gridcell')[1] as HTMLElement);
    const panel = await screen.findByRole('complementary', { name: 'Photo details' });
    await waitFor(() => expect(within(panel).getByRole('heading', { name: 'p2.jpg' })).toBeTruthy());
    expect(within(panel).getByRole('region', { name: 'Tags' }).textContent).toContain('green');
    expect(panel.querySelectorAll('meter')).toHaveLength(2);
    await fireEvent.input(within(panel).getByRole('textbox', { name: 'New tag' }), {
      target: { value: 'holiday' },
    });
    await fireEvent.click(within(panel).getByRole('button', { name: 'Add' }));
    expect(fake.api.addTag).toHaveBeenCalledWith({ imageIds: [2], tag: 'holiday' });
    await waitFor(() => expect(panel.querySelector('[data-tag="holiday"]')).toBeTruthy());
    await fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByRole('complementary', { name: 'Photo details' })).toBeNull();
  });

  it('shows a failed photo’s error in the sidebar list and in the detail panel', async () => {
    const fake = installFakeSkiptag({ count: 2 });
    const broken = fake.images[1];
    if (broken) Object.assign(broken, { status: 'error', tags: [] });
    render(App);
    const summary = await screen.findByText(/1 photo failed/);
    await fireEvent.click(summary);
    await fireEvent.click(screen.getByRole('button', { name: 'p2.jpg' }));
    const panel = await screen.findByRole('complementary', { name: 'Photo details' });
    await waitFor(() => expect(within(panel).getByRole('alert').textContent).toContain('truncated JPEG'));
    expect(within(panel).getByRole('alert').textContent).toContain('corrupt');
  });
});
