// Tests for the sidebar (renderer): folders with counts, show one folder, watch on/off, rescan, remove with confirm.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { installFakeSkiptag } from '../test-support/fake-skiptag';
import { folders } from '../lib/stores/folders.svelte';
import { images } from '../lib/stores/images.svelte';
import { jobs } from '../lib/stores/jobs.svelte';
import { overview } from '../lib/stores/overview.svelte';
import { tags } from '../lib/stores/tags.svelte';
import Sidebar from './Sidebar.svelte';

const noop = (): void => {};

describe('Sidebar', () => {
  it('lists folders with their photo counts and acts on one', async () => {
    const fake = installFakeSkiptag({ count: 1234 });
    fake.folders.push({ id: 2, path: '/home/me/Trips', watched: false, imageCount: 0, lastScanAt: null });
    await folders.load();
    render(Sidebar, { onexport: noop, onsettings: noop, onopenimage: noop });

    const photos = screen.getByRole('button', { name: /^photos/ });
    expect(photos.textContent).toContain('1,234');
    await fireEvent.click(screen.getByRole('button', { name: /^Trips/ }));
    expect(images.filter.folderId).toBe(2);

    const watch = screen.getAllByRole('checkbox', { name: 'Watch' });
    expect(watch.map((c) => (c as HTMLInputElement).checked)).toEqual([true, false]);
    await fireEvent.click(watch[1] as HTMLElement);
    expect(fake.api.setWatched).toHaveBeenCalledWith({ folderId: 2, watched: true });

    await fireEvent.click(screen.getByRole('button', { name: 'Rescan Trips' }));
    expect(fake.api.rescan).toHaveBeenCalledWith({ folderId: 2 });
    await waitFor(() => expect(jobs.list.map((j) => j.id)).toEqual([7]));

    await fireEvent.click(screen.getByRole('button', { name: 'Remove Trips from the library' }));
    expect(fake.api.removeFolder).not.toHaveBeenCalled();
    await fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    expect(fake.api.removeFolder).toHaveBeenCalledWith({ folderId: 2 });
    await waitFor(() => expect(screen.queryByRole('button', { name: /^Trips/ })).toBeNull());
  });

  it('adds folders through the native dialog', async () => {
    const fake = installFakeSkiptag();
    render(Sidebar, { onexport: noop, onsettings: noop, onopenimage: noop });
    await fireEvent.click(screen.getByRole('button', { name: 'Add folder…' }));
    expect(fake.api.pickFolders).toHaveBeenCalledWith({});
  });

  it('lists the review filters with their counts, from the same threshold as the grid', async () => {
    const fake = installFakeSkiptag({ count: 9 });
    Object.assign(fake.images[0] ?? {}, { status: 'error', tags: [] });
    await Promise.all([folders.load(), overview.load()]);
    render(Sidebar, { onexport: noop, onsettings: noop, onopenimage: noop });
    expect(screen.getByRole('button', { name: /^All photos/ }).textContent).toContain('9');
    expect(screen.getByRole('button', { name: /^Needs review/ }).textContent).toContain('8');
    await fireEvent.click(screen.getByRole('button', { name: /^Failed/ }));
    expect(images.filter.review).toBe('errors');
    expect(fake.api.getOverview).toHaveBeenCalledWith({ suggestionMin: 0.1 });
  });

  it('lists tags by photos with their decisions, nested under broader tags, searchable; a click filters', async () => {
    const fake = installFakeSkiptag({ count: 9, parents: { red: ['colour'], green: ['colour'] } });
    const [first] = fake.images;
    if (first) first.tags = [{ tag: 'red', score: 0.3, state: 'accepted', source: 'auto' }];
    await tags.load();
    render(Sidebar, { onexport: noop, onsettings: noop, onopenimage: noop });
    const green = screen.getByRole('button', { name: /^green/ });
    expect(green.getAttribute('title')).toBe('green: 6 to review, 0 accepted, 0 rejected');
    expect(screen.getByRole('button', { name: /^red/ }).textContent).toContain('1');
    // Both are kinds of "colour": folding it hides them.
    await fireEvent.click(screen.getByRole('button', { name: 'Fold colour' }));
    expect(screen.queryByRole('button', { name: /^green/ })).toBeNull();
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Find a tag' }), {
      target: { value: 'gre' },
    });
    await fireEvent.click(screen.getByRole('button', { name: /^green/ }));
    expect(images.filter).toMatchObject({ tag: 'green', minScore: 0.1 });
  });

  it('shows a folder’s subfolders with their photos, and filters by one', async () => {
    const fake = installFakeSkiptag({ count: 4 });
    fake.images.forEach((img, i) => (img.path = `/photos/${i < 2 ? '2024/beach' : '2023'}/${img.name}`));
    await folders.load();
    render(Sidebar, { onexport: noop, onsettings: noop, onopenimage: noop });
    await fireEvent.click(screen.getByRole('button', { name: 'Show subfolders of photos' }));
    const year = await screen.findByRole('button', { name: /^2024/ });
    expect(year.textContent).toContain('2');
    await fireEvent.click(screen.getByRole('button', { name: 'Show subfolders of 2024' }));
    await fireEvent.click(screen.getByRole('button', { name: /^beach/ }));
    expect(images.filter).toMatchObject({ folderId: 1, subfolder: '2024/beach' });
  });
});
