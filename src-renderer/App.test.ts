// Tests for the app shell (renderer): states, drop-anywhere, detail panel, bulk review with undo via keys and buttons.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { installFakeSkiptag, makeModels } from './test-support/fake-skiptag';
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
      expect.objectContaining({ filter: { review: 'all', tag: 'red', minScore: 0.5, suggestionMin: 0.1 } }),
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

  it('says it is looking for photos while a drop is scanned, never "No photos yet"', async () => {
    const fake = installFakeSkiptag({ count: 0 });
    fake.api.listJobs.mockResolvedValue([
      {
        id: 3,
        kind: 'tag',
        state: 'running',
        progress: { done: 0, total: null, failed: 0, rate: 0, etaSeconds: null, current: null },
        error: null,
      },
    ]);
    render(App);
    await screen.findByRole('heading', { name: 'Looking for photos…' });
    expect(screen.queryByRole('heading', { name: 'No photos yet' })).toBeNull();
  });

  it('says the folders wait for a model, and marks the demo model once it tags', async () => {
    const fake = installFakeSkiptag({
      count: 0,
      models: makeModels().map((m) => ({ ...m, installed: false })),
      settings: { model: null },
    });
    const [folder] = fake.folders;
    if (folder) folder.lastScanAt = null;
    render(App);
    await screen.findByRole('heading', { name: 'Waiting for an image model' });
    const panel = screen.getByRole('region', { name: 'Skiptag needs an image model' });
    expect(panel.textContent).toContain(
      '“photos” is waiting: tagging starts by itself once a model is ready.',
    );
    await fireEvent.click(within(panel).getByRole('button', { name: 'Use the offline demo model' }));
    expect(fake.api.installDemoModel).toHaveBeenCalledWith({});
    const note = await screen.findByRole('note');
    expect(note.textContent).toContain('Demo model: tags are the colours in each photo');
  });

  it('opens the keyboard shortcut sheet with ?, and a photo full screen with Enter', async () => {
    installFakeSkiptag({ count: 3 });
    render(App);
    await waitFor(() => expect(screen.getAllByRole('gridcell')).toHaveLength(3));
    await fireEvent.keyDown(window, { key: '?' });
    const sheet = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(sheet.textContent).toContain('Accept the top tag');
    await fireEvent.click(within(sheet).getByRole('button', { name: 'Close' }));
    await fireEvent.click(screen.getAllByRole('gridcell')[2] as HTMLElement);
    await fireEvent.keyDown(screen.getByRole('grid', { name: 'Photos' }), { key: 'Enter' });
    await screen.findByRole('dialog', { name: 'p3.jpg' });
  });

  it('shows what kind of failure a failed photo is', async () => {
    const fake = installFakeSkiptag({ count: 3 });
    Object.assign(fake.images[0] ?? {}, { status: 'error', errorCode: 'unsupported_format', tags: [] });
    Object.assign(fake.images[1] ?? {}, { status: 'error', errorCode: 'too_large', tags: [] });
    Object.assign(fake.images[2] ?? {}, { status: 'crashed', errorCode: 'internal', tags: [] });
    render(App);
    await waitFor(() => expect(screen.getAllByRole('gridcell')).toHaveLength(3));
    const texts = screen.getAllByRole('gridcell').map((c) => c.querySelector('.status')?.textContent?.trim());
    expect(texts).toEqual(['Unsupported format', 'Too large', 'Crashed the decoder']);
  });

  it('folds suggestions under the threshold away in the detail panel, a click away', async () => {
    installFakeSkiptag({ count: 2 });
    render(App);
    await waitFor(() => expect(screen.getAllByRole('gridcell')).toHaveLength(2));
    await fireEvent.dblClick(screen.getAllByRole('gridcell')[0] as HTMLElement);
    const panel = await screen.findByRole('complementary', { name: 'Photo details' });
    const tagsRegion = await within(panel).findByRole('region', { name: 'Tags' });
    await waitFor(() => expect(tagsRegion.querySelector('[data-tag="red"]')).toBeTruthy());
    expect(tagsRegion.querySelector('[data-tag="blue"]')).toBeNull();
    await fireEvent.click(within(tagsRegion).getByRole('button', { name: 'Show 1 suggestion under 10%' }));
    expect(tagsRegion.querySelector('[data-tag="blue"]')).toBeTruthy();
  });
});
