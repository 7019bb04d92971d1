// Tests for the sidebar (renderer): folders with counts, show one folder, watch on/off, rescan, remove with confirm.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { installFakeSkiptag } from '../test-support/fake-skiptag';
import { folders } from '../lib/stores/folders.svelte';
import { images } from '../lib/stores/images.svelte';
import { jobs } from '../lib/stores/jobs.svelte';
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
});
