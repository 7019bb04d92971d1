// Library writes made by tagging runs, observed (engine): which images changed once their transaction is committed.

import type { Library } from '../library/library.js';

export interface LibraryWrites {
  /** Images recorded for the first time (pending): the grid can show them before they are classified. */
  inserted(imageIds: number[]): void;
  /** Images whose status, path, metadata or tags changed. */
  changed(imageIds: number[]): void;
  /** A change that cannot be pinned to ids (photos marked missing, copies merged). */
  changedUnknown(): void;
}

type Overrides = { [K in keyof Library]?: Library[K] };

/**
 * The same library, with the writes a tagging run makes reported to `writes` after they are committed:
 * at the end of the outermost transaction (ResultCommitter batches ~1 s of results in one) or at once
 * for writes outside one. tagIntoLibrary has no commit hook, and this keeps it unchanged; reporting an
 * id whose transaction rolled back only costs the UI a refetch.
 */
export function observeLibrary(library: Library, writes: LibraryWrites): Library {
  let depth = 0;
  let inserted: number[] = [];
  let changed = new Set<number>();
  let unknown = false;
  const report = () => {
    if (depth > 0) return;
    if (inserted.length > 0) writes.inserted(inserted);
    if (changed.size > 0) writes.changed([...changed]);
    if (unknown) writes.changedUnknown();
    inserted = [];
    changed = new Set();
    unknown = false;
  };
  const touching =
    <A extends unknown[], R>(fn: (id: number, ...rest: A) => R) =>
    (id: number, ...rest: A): R => {
      const result = fn.call(library, id, ...rest);
      changed.add(id);
      report();
      return result;
    };
  const overrides: Overrides = {
    transaction: <T>(fn: () => T): T => {
      depth += 1;
      try {
        return library.transaction(fn);
      } finally {
        depth -= 1;
        report();
      }
    },
    insertImage: (...args) => {
      const row = library.insertImage(...args);
      inserted.push(row.id);
      report();
      return row;
    },
    recordSuccess: touching(library.recordSuccess),
    recordFailure: touching(library.recordFailure),
    updateSeen: touching(library.updateSeen),
    movePath: touching(library.movePath),
    markUnseenMissing: (...args) => {
      const count = library.markUnseenMissing(...args);
      if (count > 0) unknown = true;
      report();
      return count;
    },
    mergeInto: (...args) => {
      library.mergeInto(...args);
      unknown = true;
      report();
    },
  };
  return new Proxy(library, {
    get(target, property) {
      if (typeof property === 'string' && Object.hasOwn(overrides, property)) {
        return overrides[property as keyof Library];
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
