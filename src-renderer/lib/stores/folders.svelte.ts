// Folders store (renderer): the library's folders with photo counts, adding (dialog or drop), watching, rescans.
import type { FolderInfo } from '$contract';
import { skiptag } from '../api';
import { plural } from '../format';
import { jobs } from './jobs.svelte';
import { attempt, notices } from './notices.svelte';

class FoldersStore {
  list = $state.raw<FolderInfo[]>([]);
  loaded = $state(false);
  /** A drop or the folder dialog is being handled. */
  adding = $state(false);

  async load(): Promise<void> {
    const list = await attempt('Could not list folders', () => skiptag().listFolders({}));
    if (list) this.list = list;
    this.loaded = true;
  }

  async pick(): Promise<void> {
    await this.#add(() => skiptag().pickFolders({}));
  }

  /** Dropped File objects go to the preload untouched: it alone turns them into paths. */
  async addDropped(files: readonly File[]): Promise<FolderInfo[] | undefined> {
    return this.#add(() => skiptag().addDroppedFiles(files));
  }

  async remove(folder: FolderInfo): Promise<void> {
    const res = await attempt('Could not remove the folder', () =>
      skiptag().removeFolder({ folderId: folder.id }),
    );
    if (res?.ok) this.list = this.list.filter((f) => f.id !== folder.id);
  }

  async setWatched(folder: FolderInfo, watched: boolean): Promise<void> {
    const updated = await attempt('Could not change watching', () =>
      skiptag().setWatched({ folderId: folder.id, watched }),
    );
    if (updated) this.list = this.list.map((f) => (f.id === updated.id ? updated : f));
  }

  async rescan(folder: FolderInfo): Promise<void> {
    const job = await attempt('Could not rescan', () => skiptag().rescan({ folderId: folder.id }));
    if (job) jobs.upsert(job);
  }

  reset(): void {
    this.list = [];
    this.loaded = false;
    this.adding = false;
  }

  async #add(call: () => Promise<FolderInfo[]>): Promise<FolderInfo[] | undefined> {
    this.adding = true;
    try {
      const added = await attempt('Could not add', call);
      if (added && added.length > 0) {
        notices.info(`Added ${plural(added.length, 'folder')}: tagging starts now.`);
        await this.load();
      }
      return added;
    } finally {
      this.adding = false;
    }
  }
}

export const folders = new FoldersStore();
