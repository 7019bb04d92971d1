// Selection store (renderer): selected photo ids, the shift-range anchor and the keyboard cursor in the grid.
import { toggled } from '../collections';
import { images } from './images.svelte';

export type ClickModifiers = { shift?: boolean; toggle?: boolean };

class SelectionStore {
  /** Replaced, never mutated: one signal per change instead of one per id (select all can be 100,000 ids). */
  ids = $state.raw<ReadonlySet<number>>(new Set());
  /** Index where shift-ranges start: the last plainly clicked or toggled photo. */
  anchor = $state<number | null>(null);
  /** Index of the keyboard cursor (the grid's active cell). */
  cursor = $state(0);
  /** A bulk selection is fetching ids it has not seen yet. */
  busy = $state(false);

  constructor() {
    // A new filter is a new list: indexes and ids from the old one mean nothing there.
    images.onReset(() => {
      this.clear();
      this.cursor = 0;
    });
  }

  get count(): number {
    return this.ids.size;
  }

  has(imageId: number): boolean {
    return this.ids.has(imageId);
  }

  /** Plain click selects one photo; Ctrl/Cmd toggles one; Shift selects anchor..index (added with Ctrl/Cmd). */
  async click(index: number, imageId: number, mods: ClickModifiers = {}): Promise<void> {
    this.cursor = index;
    if (mods.shift && this.anchor !== null) {
      await this.#selectRange(this.anchor, index, mods.toggle === true);
      return;
    }
    this.anchor = index;
    if (mods.toggle) {
      this.ids = toggled(this.ids, imageId);
    } else {
      this.ids = new Set([imageId]);
    }
  }

  /**
   * Keyboard move: plain selects the photo there, `extend` (Shift) selects anchor..index, `keep` (Ctrl/Cmd)
   * moves the cursor only, so Ctrl+Space can toggle photos that are not next to each other.
   */
  async moveTo(index: number, mode: 'select' | 'extend' | 'keep' = 'select'): Promise<void> {
    const total = images.total ?? 0;
    if (total === 0) return;
    const target = Math.max(0, Math.min(total - 1, index));
    this.cursor = target;
    if (mode === 'keep') return;
    if (mode === 'extend') {
      await this.#selectRange(this.anchor ?? target, target, false);
      this.anchor ??= target;
      return;
    }
    const item = await images.itemAt(target);
    if (item && this.cursor === target) {
      this.anchor = target;
      this.ids = new Set([item.id]);
    }
  }

  async toggleAt(index: number): Promise<void> {
    const item = await images.itemAt(index);
    if (item) await this.click(index, item.id, { toggle: true });
  }

  async selectAll(): Promise<void> {
    this.busy = true;
    try {
      this.ids = new Set(await images.allIds());
    } finally {
      this.busy = false;
    }
  }

  clear(): void {
    this.ids = new Set();
    this.anchor = null;
  }

  /** Test hook. */
  reset(): void {
    this.clear();
    this.cursor = 0;
    this.busy = false;
  }

  async #selectRange(from: number, to: number, additive: boolean): Promise<void> {
    this.busy = true;
    try {
      const ids = await images.idsBetween(from, to);
      this.ids = additive ? new Set([...this.ids, ...ids]) : new Set(ids);
    } finally {
      this.busy = false;
    }
  }
}

export const selection = new SelectionStore();
