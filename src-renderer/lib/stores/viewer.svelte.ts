// Viewer store (renderer): the full-screen view of one photo of the list, moving through it, fit or 100% zoom.
import type { ImageDetail } from '$contract';
import { hasErrorCode, skiptag } from '../api';
import { errorMessage } from '../format';
import { images } from './images.svelte';
import { selection } from './selection.svelte';

class ViewerStore {
  /** Index in the current list; null when closed. */
  index = $state<number | null>(null);
  image = $state.raw<ImageDetail | null>(null);
  /** fit: the whole photo in the window · actual: one image pixel per screen pixel (scrolls). */
  zoom = $state<'fit' | 'actual'>('fit');
  error = $state<string | null>(null);

  get isOpen(): boolean {
    return this.index !== null;
  }

  async open(index: number): Promise<void> {
    const total = images.total ?? 0;
    if (total === 0) return;
    const target = Math.max(0, Math.min(total - 1, index));
    this.index = target;
    this.zoom = 'fit';
    // The grid's cursor follows, so closing the viewer leaves the user where they were looking.
    await selection.moveTo(target);
    await this.#load(target);
  }

  async move(delta: number): Promise<void> {
    if (this.index === null) return;
    await this.open(this.index + delta);
  }

  /** The photo changed (tags decided, reclassified): its details again. */
  async refresh(changedIds?: readonly number[]): Promise<void> {
    const index = this.index;
    const id = this.image?.id;
    if (index === null || (changedIds && id !== undefined && !changedIds.includes(id))) return;
    await this.#load(index);
  }

  close(): void {
    this.index = null;
    this.image = null;
    this.error = null;
  }

  reset(): void {
    this.close();
    this.zoom = 'fit';
  }

  async #load(index: number): Promise<void> {
    const item = await images.itemAt(index);
    if (this.index !== index) return;
    if (!item) {
      this.error = 'this photo is not in the list any more';
      return;
    }
    try {
      const image = await skiptag().getImage({ imageId: item.id });
      if (this.index === index) {
        this.image = image;
        this.error = null;
      }
    } catch (err) {
      if (this.index !== index) return;
      this.error = hasErrorCode(err, 'not_found') ? 'it is no longer in the library' : errorMessage(err);
    }
  }
}

export const viewer = new ViewerStore();
