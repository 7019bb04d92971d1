// Tag list store (renderer): every tag in the library with its photo count, for filter suggestions.
import { skiptag } from '../api';

class TagsStore {
  list = $state.raw<Array<{ tag: string; count: number }>>([]);

  async load(): Promise<void> {
    try {
      this.list = await skiptag().listTags({});
    } catch {
      // Only suggestions: the tag box still works as free text without them.
    }
  }

  reset(): void {
    this.list = [];
  }
}

export const tags = new TagsStore();
