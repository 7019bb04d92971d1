// Live updates (renderer): loads every store at start and keeps them fresh from the app service's events.
import { skiptag } from '../api';
import { throttle } from '../timing';
import { detail } from './detail.svelte';
import { errors } from './errors.svelte';
import { folders } from './folders.svelte';
import { images } from './images.svelte';
import { isActive, jobs } from './jobs.svelte';
import { models } from './models.svelte';
import { settings } from './settings.svelte';
import { tags } from './tags.svelte';

export async function loadAll(): Promise<void> {
  await Promise.all([
    folders.load(),
    images.reload(),
    jobs.load(),
    errors.load(),
    tags.load(),
    settings.load(),
    models.load(),
  ]);
}

/**
 * Subscribes to library and job events. A tagging run changes the library many times a second: the grid
 * refreshes at most twice a second and the side lists every two seconds, so chips stream in without the
 * UI drowning in queries. Returns the unsubscribe.
 */
export function startSync(): () => void {
  const api = skiptag();
  const refreshGrid = throttle(() => images.refresh(), 500);
  const refreshSides = throttle(() => {
    void folders.load();
    void tags.load();
    void errors.load();
  }, 2000);

  const offLibrary = api.onLibraryChanged((change) => {
    // An empty id list means no photo changed (only folders did).
    if (change.imageIds?.length !== 0) {
      refreshGrid();
      void detail.refresh(change.imageIds);
    }
    if (change.folders) void folders.load();
    refreshSides();
  });

  const offJobs = api.onJobProgress((job) => {
    const before = jobs.list.find((j) => j.id === job.id);
    jobs.upsert(job);
    const finished = !isActive(job) && (before === undefined || isActive(before));
    if (finished) {
      // Catch up at once: the last batch of results and the final counts matter most.
      images.refresh();
      void folders.load();
      void tags.load();
      void errors.load();
      // The engine has started by now, so the provider actually in use is known.
      void settings.load();
      // A finished download brings its model into the list (and may answer a missing model).
      void models.jobFinished(job);
    } else if (before && job.progress.failed > before.progress.failed) {
      refreshSides();
    }
  });

  return () => {
    offLibrary();
    offJobs();
    refreshGrid.cancel();
    refreshSides.cancel();
  };
}
