// Watched folders of the app (engine): one FolderWatcher, its events turned into watch jobs and missing photos.

import { FolderWatcher, type FolderWatcherOptions } from '../scan/folder-watcher.js';

export interface FolderTrackerEvents {
  /** Photos that arrived or changed (fully written): to be tagged. */
  filesChanged(files: string[]): void;
  /** A photo that was deleted or moved away. */
  fileRemoved(file: string): void;
  /** A watched folder that was gone (or missing at start-up) is back and watched again: scan it. */
  folderBack(folder: string): void;
  warn(message: string): void;
  info(message: string): void;
}

export class FolderTracker {
  private readonly watcher: FolderWatcher;
  private readonly watched = new Set<string>();

  constructor(options: FolderWatcherOptions, events: FolderTrackerEvents) {
    this.watcher = new FolderWatcher(options);
    this.watcher.on('file-added', (file) => events.filesChanged([file]));
    this.watcher.on('file-changed', (file) => events.filesChanged([file]));
    this.watcher.on('file-removed', (file) => events.fileRemoved(file));
    this.watcher.on('mode', (kind, reason) => {
      if (kind === 'polling') events.warn(`watching folders by polling: ${reason ?? 'requested'}`);
    });
    this.watcher.on('folder-gone', (folder) =>
      events.warn(`watched folder ${folder} is gone: it is watched again when it comes back`),
    );
    this.watcher.on('folder-back', (folder) => {
      events.info(`watched folder ${folder} is back: watching it again and scanning it`);
      events.folderBack(folder);
    });
    // Without a listener an 'error' event would throw and take the whole service down.
    this.watcher.on('error', (error) => events.warn(`folder watcher: ${error.message}`));
  }

  get folders(): string[] {
    return [...this.watched];
  }

  /** Watched folders that do not exist now (an unplugged drive): waited for. */
  get absentFolders(): string[] {
    return this.watcher.absentFolders;
  }

  watch(folder: string): void {
    if (this.watched.has(folder)) return;
    this.watched.add(folder);
    this.watcher.add(folder);
  }

  async unwatch(folder: string): Promise<void> {
    if (!this.watched.delete(folder)) return;
    await this.watcher.remove(folder);
  }

  /** Resolves when every watched folder's initial scan is done (tests wait for it before changing files). */
  ready(): Promise<void> {
    return this.watcher.ready();
  }

  close(): Promise<void> {
    this.watched.clear();
    return this.watcher.close();
  }
}
