// Live updates (renderer): loads every store at start and keeps them fresh from the app service's events.
import { skiptag } from '../api';
import { throttle } from '../timing';
import { detail } from './detail.svelte';
import { errors } from './errors.svelte';
import { folders } from './folders.svelte';
import { images } from './images.svelte';
import { isActive, jobs } from './jobs.svelte';
import { models } from './models.svelte';
import { overview } from './overview.svelte';
import { settings } from './settings.svelte';
import { similar } from './similar.svelte';
import { tags } from './tags.svelte';
import { viewer } from './viewer.svelte';

export async function loadAll(): Promise<void> {
  await Promise.all([
    folders.load(),
    images.reload(),
    overview.load(),
    jobs.load(),
    errors.load(),
    tags.load(),
    settings.load(),
    models.load(),
    similar.loadPersonal(),
  ]);
}

/**
 * The grid and the folder counts are fetched together, so the numbers on screen come from the same moment of
 * the library and agree while a tagging run adds photos (the sidebar's current review filter shows the grid's
 * own total). The review counts and subfolders cost a pass over the library: they follow every two seconds.
 */
function refreshCounts(): void {
  images.refresh();
  void folders.load(false);
}

/**
 * Subscribes to library and job events. A tagging run changes the library many times a second: the grid and
 * its counts refresh at most twice a second and the tag and error lists every two seconds, so chips stream
 * in without the UI drowning in queries. Returns the unsubscribe.
 */
export function startSync(): () => void {
  const api = skiptag();
  const refreshGrid = throttle(refreshCounts, 500);
  const refreshSides = throttle(() => {
    void tags.load();
    void errors.load();
    void overview.load();
    void folders.loadSubfolders();
    // Retraining after decisions changes the personal tags' figures.
    void similar.loadPersonal();
  }, 2000);

  const offLibrary = api.onLibraryChanged((change) => {
    // An empty id list means no photo changed (only folders did).
    if (change.imageIds?.length !== 0) {
      refreshGrid();
      void detail.refresh(change.imageIds);
      void viewer.refresh(change.imageIds);
      refreshSides();
    } else if (change.folders) refreshGrid();
  });

  const offJobs = api.onJobProgress((job) => {
    const before = jobs.list.find((j) => j.id === job.id);
    jobs.upsert(job);
    const finished = !isActive(job) && (before === undefined || isActive(before));
    if (finished) {
      // Catch up at once: the last batch of results and the final counts matter most.
      refreshCounts();
      void overview.load();
      void folders.loadSubfolders();
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

/** The display threshold changed: every count and list that depends on it, again. */
export function thresholdChanged(suggestionMin: number): void {
  images.setFilter({ suggestionMin });
  void overview.load();
  void tags.load();
}
