// Tag list store (renderer): every tag with its counts by state and its broader tags, for the sidebar and the tag box.
import type { TagSummary } from '$contract';
import { skiptag } from '../api';
import { view } from './view.svelte';

class TagsStore {
  /** Most photos first; counts from the display threshold. */
  list = $state.raw<TagSummary[]>([]);
  loaded = $state(false);

  async load(): Promise<void> {
    try {
      this.list = await skiptag().tagSummary({ minScore: view.effectiveThreshold });
      this.loaded = true;
    } catch {
      // Only a list to pick from: the tag box still works as free text without it.
    }
  }

  reset(): void {
    this.list = [];
    this.loaded = false;
  }
}

export const tags = new TagsStore();
