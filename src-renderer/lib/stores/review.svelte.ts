// Review store (renderer): accept/reject/add/remove tags on many photos at once, with undo and redo.
import type { TagChip } from '$contract';
import { chunks, skiptag } from '../api';
import { chipFor, topSuggestion } from '../chips';
import { groupBy } from '../collections';
import { formatScore, plural } from '../format';
import { detail } from './detail.svelte';
import { images } from './images.svelte';
import { notices } from './notices.svelte';
import { selection } from './selection.svelte';
import { overview } from './overview.svelte';
import { tags } from './tags.svelte';
import { view } from './view.svelte';
import { viewer } from './viewer.svelte';

type TagState = TagChip['state'];

/** One API call's worth of change: set a state, add a user tag, or remove the tag, on a set of photos. */
export type Step =
  | { op: 'set'; tag: string; imageIds: number[]; state: TagState }
  | { op: 'add' | 'remove'; tag: string; imageIds: number[] };

/** A user action as recorded for undo: the steps that did it and the steps that put things back. */
export type ReviewAction = { label: string; forward: Step[]; inverse: Step[] };

const HISTORY_LIMIT = 100;

class ReviewStore {
  done = $state.raw<ReviewAction[]>([]);
  undone = $state.raw<ReviewAction[]>([]);
  busy = $state(false);

  get canUndo(): boolean {
    return this.done.length > 0 && !this.busy;
  }
  get canRedo(): boolean {
    return this.undone.length > 0 && !this.busy;
  }
  get undoLabel(): string | null {
    return this.done.at(-1)?.label ?? null;
  }
  get redoLabel(): string | null {
    return this.undone.at(-1)?.label ?? null;
  }

  async setState(imageIds: readonly number[], tag: string, state: TagState): Promise<boolean> {
    const verb = { accepted: 'Accept', rejected: 'Reject', suggested: 'Reset' }[state];
    const ids = [...imageIds];
    return this.#run({
      label: `${verb} “${tag}” on ${plural(ids.length, 'photo')}`,
      forward: [{ op: 'set', tag, imageIds: ids, state }],
      inverse: this.#restore(ids, tag, state),
    });
  }

  async addTag(imageIds: readonly number[], tag: string): Promise<boolean> {
    const ids = [...imageIds];
    return this.#run({
      label: `Add “${tag}” to ${plural(ids.length, 'photo')}`,
      forward: [{ op: 'add', tag, imageIds: ids }],
      inverse: this.#restore(ids, tag),
    });
  }

  /**
   * Removing forgets the tag. Undo adds it back as the user's tag in its old state: an automatic tag's score
   * only comes back with the next classification (the API cannot recreate it).
   */
  async removeTag(imageIds: readonly number[], tag: string): Promise<boolean> {
    const had = imageIds.filter((id) => Boolean(this.#prior(id, tag)));
    const inverse: Step[] = had.length > 0 ? [{ op: 'add', tag, imageIds: had }] : [];
    for (const [state, ids] of this.#groupByState(had, tag))
      inverse.push({ op: 'set', tag, imageIds: ids, state });
    return this.#run({
      label: `Remove “${tag}” from ${plural(imageIds.length, 'photo')}`,
      forward: [{ op: 'remove', tag, imageIds: [...imageIds] }],
      inverse,
    });
  }

  /**
   * Accept (or reject) on the selection: the filtered tag when the list is filtered by one, otherwise each
   * photo's best suggestion still waiting for review — never a rejected one, never one under the display
   * threshold (those are hidden, so acting on them would act on something the user cannot see).
   */
  async reviewSelection(state: 'accepted' | 'rejected'): Promise<boolean> {
    return this.reviewPhotos([...selection.ids], state);
  }

  /** reviewSelection for these photos (the viewer acts on the one it shows). */
  async reviewPhotos(ids: readonly number[], state: 'accepted' | 'rejected'): Promise<boolean> {
    if (ids.length === 0) return false;
    const tag = images.filter.tag;
    if (tag) return this.setState(ids, tag, state);
    const threshold = view.effectiveThreshold;
    const byTag = groupBy(ids, (id) => topSuggestion(this.#chips(id) ?? [], threshold)?.tag);
    if (byTag.size === 0) {
      const under = threshold > 0 ? ` at or above ${formatScore(threshold)}` : '';
      notices.info(`Nothing to review: no suggestion${under} is waiting on the selected photos.`);
      return false;
    }
    const forward: Step[] = [];
    const inverse: Step[] = [];
    for (const [t, tagIds] of byTag) {
      forward.push({ op: 'set', tag: t, imageIds: tagIds, state });
      inverse.push(...this.#restore(tagIds, t, state));
    }
    const count = [...byTag.values()].reduce((n, group) => n + group.length, 0);
    const verb = state === 'accepted' ? 'Accept' : 'Reject';
    return this.#run({ label: `${verb} top suggestion on ${plural(count, 'photo')}`, forward, inverse });
  }

  /**
   * Accepts every suggestion of `tag` (null: of every tag) scoring at least `minScore`, in one request and one
   * undo step: the undo sets exactly those back to suggestions. Resolves to how many photos changed, or null.
   */
  async acceptAbove(tag: string | null, minScore: number): Promise<number | null> {
    if (this.busy) return null;
    this.busy = true;
    const what = tag === null ? 'every suggestion' : `“${tag}”`;
    try {
      const result = await skiptag().acceptAbove({ ...(tag === null ? {} : { tag }), minScore });
      const forward: Step[] = result.groups.map((g) => ({
        op: 'set',
        tag: g.tag,
        imageIds: g.imageIds,
        state: 'accepted',
      }));
      const inverse: Step[] = result.groups.map((g) => ({
        op: 'set',
        tag: g.tag,
        imageIds: g.imageIds,
        state: 'suggested',
      }));
      if (forward.length > 0) {
        const label = `Accept ${what} ≥ ${formatScore(minScore)} on ${plural(result.photos, 'photo')}`;
        this.done = [...this.done.slice(-(HISTORY_LIMIT - 1)), { label, forward, inverse }];
        this.undone = [];
      }
      return result.photos;
    } catch (err) {
      notices.error(`Could not accept ${what}`, err);
      return null;
    } finally {
      this.busy = false;
      this.#refreshViews();
    }
  }

  async undo(): Promise<void> {
    const action = this.done.at(-1);
    if (!action || this.busy) return;
    if (await this.#apply(action.inverse, `Undo ${action.label}`)) {
      this.done = this.done.slice(0, -1);
      this.undone = [...this.undone, action];
    }
  }

  async redo(): Promise<void> {
    const action = this.undone.at(-1);
    if (!action || this.busy) return;
    if (await this.#apply(action.forward, `Redo ${action.label}`)) {
      this.undone = this.undone.slice(0, -1);
      this.done = [...this.done, action];
    }
  }

  /** Test hook. */
  reset(): void {
    this.done = [];
    this.undone = [];
    this.busy = false;
  }

  async #run(action: ReviewAction): Promise<boolean> {
    if (this.busy || action.forward.every((s) => s.imageIds.length === 0)) return false;
    const ok = await this.#apply(action.forward, action.label);
    if (ok) {
      this.done = [...this.done.slice(-(HISTORY_LIMIT - 1)), action];
      this.undone = [];
    }
    return ok;
  }

  /**
   * Steps that put `tag` back the way it is now on these photos: its old state, or gone if it was absent.
   * Photos already in the state the action sets (`unchanged`) need nothing.
   */
  #restore(imageIds: readonly number[], tag: string, unchanged?: TagState): Step[] {
    const steps: Step[] = [];
    const absent = imageIds.filter((id) => this.#prior(id, tag) === null);
    if (absent.length > 0) steps.push({ op: 'remove', tag, imageIds: absent });
    for (const [state, ids] of this.#groupByState(imageIds, tag)) {
      if (state !== unchanged) steps.push({ op: 'set', tag, imageIds: ids, state });
    }
    return steps;
  }

  #groupByState(imageIds: readonly number[], tag: string): Map<TagState, number[]> {
    return groupBy(imageIds, (id) => this.#prior(id, tag) ?? undefined);
  }

  /**
   * The tag's state on a photo as last seen: null when the photo did not have it, undefined when the photo
   * itself is unknown (then undo leaves it alone rather than guess).
   */
  #prior(imageId: number, tag: string): TagState | null | undefined {
    const chips = this.#chips(imageId);
    if (!chips) return undefined;
    return chipFor(chips, tag)?.state ?? null;
  }

  async #apply(steps: readonly Step[], label: string): Promise<boolean> {
    this.busy = true;
    try {
      const api = skiptag();
      for (const step of steps) {
        for (const imageIds of chunks(step.imageIds)) {
          if (step.op === 'set') await api.setTagState({ imageIds, tag: step.tag, state: step.state });
          else if (step.op === 'add') await api.addTag({ imageIds, tag: step.tag });
          else await api.removeTag({ imageIds, tag: step.tag });
        }
      }
      return true;
    } catch (err) {
      notices.error(label, err);
      return false;
    } finally {
      this.busy = false;
      // Partial failures change things too: show what the library holds now either way.
      this.#refreshViews();
    }
  }

  #refreshViews(): void {
    images.refresh();
    void detail.refresh();
    void tags.load();
    void overview.load();
    void viewer.refresh();
  }

  /** The photo's chips as last seen: the open photo's details, else its summary in the list. */
  #chips(imageId: number): TagChip[] | undefined {
    return detail.image?.id === imageId ? detail.image.tags : images.summary(imageId)?.tags;
  }
}

export const review = new ReviewStore();
