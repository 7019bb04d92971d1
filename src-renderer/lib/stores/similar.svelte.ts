// Lists the service computes from photo features (renderer): More like this, near duplicates, least certain first; and the personal tags.
import type { RequestOutput } from '$contract';
import { skiptag } from '../api';
import { images } from './images.svelte';
import { attempt, notices } from './notices.svelte';

export type ListKind = 'similar' | 'duplicates' | 'uncertain';
export type PersonalTag = RequestOutput<'personal:list'>[number];

/** The contract's largest id list for the grid. */
const MAX_LIST = 5000;

class SimilarStore {
  #current = $state<{ kind: ListKind; title: string } | null>(null);
  busy = $state(false);
  personalTags = $state.raw<PersonalTag[]>([]);

  /** The list the grid shows, while the filter still holds its ids (any filter change that drops them ends it). */
  get current(): { kind: ListKind; title: string } | null {
    return images.filter.imageIds === undefined ? null : this.#current;
  }

  /** Fills the grid with the photo and the photos that look most like it, most similar first. */
  async moreLike(imageId: number, name: string): Promise<void> {
    const answer = await this.#ask('Finding similar photos', () =>
      skiptag().findSimilar({ imageId, top: 200 }),
    );
    if (!answer) return;
    if (answer.off) return void notices.info(answer.off);
    this.#show('similar', `Photos like ${name}`, [imageId, ...answer.items.map((n) => n.imageId)]);
  }

  /** Groups of near duplicates one after the other, largest group first. */
  async nearDuplicates(minSimilarity = 0.95): Promise<void> {
    const answer = await this.#ask('Finding near duplicates', () =>
      skiptag().findNearDuplicates({ minSimilarity }),
    );
    if (!answer) return;
    if (answer.off) return void notices.info(answer.off);
    if (answer.groups.length === 0) return void notices.info('No near duplicates found.');
    const count = answer.groups.length;
    this.#show(
      'duplicates',
      `Near duplicates: ${count} group${count === 1 ? '' : 's'}`,
      answer.groups.flat(),
    );
  }

  /** Active learning: the photos the tag's classifier is least sure about, so each decision teaches the most. */
  async leastCertain(tag: string): Promise<void> {
    const answer = await this.#ask('Finding the least certain photos', () =>
      skiptag().leastCertain({ tag, limit: 500 }),
    );
    if (!answer) return;
    if (answer.imageIds.length === 0) return void notices.info(`No undecided photos for “${tag}”.`);
    this.#show('uncertain', `“${tag}”: least certain first`, answer.imageIds);
  }

  /** Back to the grid as the filter alone shows it. */
  clear(): void {
    this.#current = null;
    images.setFilter({ imageIds: undefined });
  }

  async loadPersonal(): Promise<void> {
    const list = await attempt('Loading personal tags', () => skiptag().listPersonalTags({}));
    if (list) this.personalTags = list;
  }

  async #ask<T>(context: string, call: () => Promise<T>): Promise<T | undefined> {
    this.busy = true;
    try {
      return await attempt(context, call);
    } finally {
      this.busy = false;
    }
  }

  #show(kind: ListKind, title: string, ids: number[]): void {
    this.#current = { kind, title };
    // A list is the whole library's: folder, tag and search filters would hide part of it.
    images.setFilter({
      imageIds: [...new Set(ids)].slice(0, MAX_LIST),
      review: 'all',
      folderId: undefined,
      subfolder: undefined,
      tag: undefined,
      text: undefined,
    });
  }
}

export const similar = new SimilarStore();

/** "learned from 14 photos, ~90% precise at 70% recall". */
export function personalSummary(tag: PersonalTag): string {
  const quality =
    tag.precision === null || tag.recall === null
      ? 'too few examples to measure'
      : `~${Math.round(tag.precision * 100)}% precise at ${Math.round(tag.recall * 100)}% recall`;
  return `learned from ${tag.positives} photos, ${quality}`;
}
