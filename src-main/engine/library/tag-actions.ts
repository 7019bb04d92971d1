// Undoing the user's tag decisions (engine): a tag goes back to being the model's suggestion, or away if it never was.

import { jsonList, type SqlDb } from './sql-db.js';

/**
 * Sets `tag` on these images back to a suggestion, as before the user decided: a tag the model suggested
 * (source 'auto', or a user's tag the model has since scored) becomes a suggested auto tag with its score;
 * a tag only the user ever gave (no score) is removed. Works from the tags rows alone, so it holds with
 * tagging rules (aliases, rollups) too, whose tags are not prediction labels. This is how the UI undoes
 * an accept, a reject or an add. Returns how many images changed.
 */
export function resetToSuggestion(db: SqlDb, imageIds: readonly number[], tag: string, now: string): number {
  const target = `tag = :tag AND image_id IN (SELECT value FROM json_each(:ids))`;
  const ids = jsonList(imageIds);
  return db.transaction(() => {
    const restored = db.run(
      `UPDATE tags SET state = 'suggested', source = 'auto', updated_at = :now
       WHERE ${target} AND (source = 'auto' OR score IS NOT NULL)
         AND NOT (state = 'suggested' AND source = 'auto')`,
      { tag, ids, now },
    );
    const removed = db.run(`DELETE FROM tags WHERE ${target} AND source = 'user' AND score IS NULL`, {
      tag,
      ids,
    });
    return restored + removed;
  });
}
