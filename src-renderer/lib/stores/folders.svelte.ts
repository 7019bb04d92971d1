// Folders store (renderer): the library's folders with photo counts and subfolders, adding (dialog or drop), watching, rescans.
import type { FolderInfo } from '$contract';
import { skiptag } from '../api';
import { toggled } from '../collections';
import { plural } from '../format';
import { jobs } from './jobs.svelte';
import { attempt, notices } from './notices.svelte';

export type Subfolder = { path: string; count: number };

class FoldersStore {
  list = $state.raw<FolderInfo[]>([]);
  loaded = $state(false);
  /** A drop or the folder dialog is being handled. */
  adding = $state(false);
  /** Folder id → its subfolders holding photos (loaded when the folder is expanded). */
  subfolders = $state.raw<ReadonlyMap<number, Subfolder[]>>(new Map());
  /** Folders whose subfolders are shown in the sidebar. */
  expanded = $state.raw<ReadonlySet<number>>(new Set());
  /** Whether tagging has to wait for a model (set by the models store, which knows). */
  waitingForModel: () => boolean = () => false;

  /** The folders with their counts, and (unless told not to) the subfolders of those expanded. */
  async load(withSubfolders = true): Promise<void> {
    const list = await attempt('Could not list folders', () => skiptag().listFolders({}));
    if (list) this.list = list;
    this.loaded = true;
    if (withSubfolders) await this.loadSubfolders();
  }

  /** The subfolders of the expanded folders again (each is a pass over that folder's photos). */
  async loadSubfolders(): Promise<void> {
    await Promise.all([...this.expanded].map((id) => this.#loadSubfolders(id)));
  }

  /** Folders added but never scanned: while no model is installed, they wait for one. */
  get waiting(): FolderInfo[] {
    return this.list.filter((f) => f.lastScanAt === null);
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

  /** Shows or hides a folder's subfolders; they are fetched when shown. */
  async toggleExpanded(folderId: number): Promise<void> {
    this.expanded = toggled(this.expanded, folderId);
    if (this.expanded.has(folderId)) await this.#loadSubfolders(folderId);
  }

  reset(): void {
    this.list = [];
    this.loaded = false;
    this.adding = false;
    this.subfolders = new Map();
    this.expanded = new Set();
    this.waitingForModel = () => false;
  }

  async #loadSubfolders(folderId: number): Promise<void> {
    try {
      const list = await skiptag().listSubfolders({ folderId });
      this.subfolders = new Map([...this.subfolders, [folderId, list]]);
    } catch {
      // Removed meanwhile, or the service is busy: the folder itself still works.
    }
  }

  async #add(call: () => Promise<FolderInfo[]>): Promise<FolderInfo[] | undefined> {
    this.adding = true;
    try {
      const added = await attempt('Could not add', call);
      if (added && added.length > 0) {
        const what = plural(added.length, 'folder');
        notices.info(
          this.waitingForModel()
            ? `Added ${what}: waiting for an image model, then tagging starts by itself.`
            : `Added ${what}: looking for photos and tagging them now.`,
        );
        await this.load();
      }
      return added;
    } finally {
      this.adding = false;
    }
  }
}

export const folders = new FoldersStore();
