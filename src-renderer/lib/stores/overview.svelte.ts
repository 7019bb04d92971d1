// Library overview store (renderer): every photo and the count of each review filter, from the same query the grid uses.
import type { ReviewCounts } from '$contract';
import { skiptag } from '../api';
import { view } from './view.svelte';

class OverviewStore {
  counts = $state.raw<ReviewCounts | null>(null);

  async load(): Promise<void> {
    try {
      this.counts = await skiptag().getOverview({ suggestionMin: view.effectiveThreshold });
    } catch {
      // Counts are a convenience: the filters work without them, and the next change reloads them.
    }
  }

  reset(): void {
    this.counts = null;
  }
}

export const overview = new OverviewStore();
