// Detail store (renderer): the one photo open in the detail panel, with all its predictions and file facts.
import type { ImageDetail } from '$contract';
import { hasErrorCode, skiptag } from '../api';
import { errorMessage } from '../format';

class DetailStore {
  imageId = $state<number | null>(null);
  image = $state.raw<ImageDetail | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  get isOpen(): boolean {
    return this.imageId !== null;
  }

  async open(imageId: number): Promise<void> {
    if (this.imageId !== imageId) this.image = null;
    this.imageId = imageId;
    await this.#load(imageId);
  }

  close(): void {
    this.imageId = null;
    this.image = null;
    this.error = null;
  }

  /** Reloads the open photo (after a review action or a library change that touched it). */
  async refresh(changedIds?: readonly number[]): Promise<void> {
    const id = this.imageId;
    if (id === null || (changedIds && !changedIds.includes(id))) return;
    await this.#load(id);
  }

  /** Test hook. */
  reset(): void {
    this.close();
    this.loading = false;
  }

  async #load(imageId: number): Promise<void> {
    this.loading = true;
    try {
      const image = await skiptag().getImage({ imageId });
      // The user may have moved on to another photo while this one loaded.
      if (this.imageId === imageId) {
        this.image = image;
        this.error = null;
      }
    } catch (err) {
      if (this.imageId !== imageId) return;
      if (hasErrorCode(err, 'not_found')) {
        // Removed (with its folder) while the panel was open: nothing stale stays on screen.
        this.image = null;
        this.error = 'it is no longer in the library';
      } else {
        this.error = errorMessage(err);
      }
    } finally {
      this.loading = false;
    }
  }
}

export const detail = new DetailStore();
