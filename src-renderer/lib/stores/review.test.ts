// Tests for review actions (renderer): bulk accept/reject/add/remove call the API; undo restores, redo repeats.
import { describe, expect, it } from 'vitest';
import { installFakeSkiptag } from '../../test-support/fake-skiptag';
import { images } from './images.svelte';
import { review } from './review.svelte';
import { notices } from './notices.svelte';
import { selection } from './selection.svelte';

async function setup(count = 9) {
  const fake = installFakeSkiptag({ count });
  // Photo 4 (red) was already accepted, so undo must put it back to accepted, not to suggested.
  const four = fake.images[3]?.tags[0];
  if (four) four.state = 'accepted';
  await images.reload();
  return fake;
}

describe('review', () => {
  it('accepts the filtered tag on the selection in one call, and undo puts back each previous state', async () => {
    const fake = await setup();
    images.setFilter({ tag: 'red' });
    await images.reload();
    await selection.selectAll();
    expect(await review.reviewSelection('accepted')).toBe(true);
    expect(fake.api.setTagState).toHaveBeenCalledWith({ imageIds: [1, 4, 7], tag: 'red', state: 'accepted' });
    expect([1, 4, 7].map((id) => fake.chip(id, 'red')?.state)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(review.undoLabel).toBe('Accept “red” on 3 photos');

    await review.undo();
    expect(fake.api.setTagState).toHaveBeenLastCalledWith({
      imageIds: [1, 7],
      tag: 'red',
      state: 'suggested',
    });
    expect([1, 4, 7].map((id) => fake.chip(id, 'red')?.state)).toEqual([
      'suggested',
      'accepted',
      'suggested',
    ]);
    expect(review.canUndo).toBe(false);

    await review.redo();
    expect([1, 4, 7].map((id) => fake.chip(id, 'red')?.state)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(review.canRedo).toBe(false);
  });

  it('without a tag filter, rejects each photo’s best suggestion', async () => {
    const fake = await setup(3);
    await selection.click(0, 1);
    await selection.click(1, 2, { toggle: true });
    await review.reviewSelection('rejected');
    expect(fake.chip(1, 'red')?.state).toBe('rejected');
    expect(fake.chip(2, 'green')?.state).toBe('rejected');
    expect(fake.chip(2, 'blue')?.state).toBe('suggested');
    await review.undo();
    expect(fake.chip(1, 'red')?.state).toBe('suggested');
    expect(fake.chip(2, 'green')?.state).toBe('suggested');
  });

  it('undoes adding a tag by removing it only where it was new', async () => {
    const fake = await setup(3);
    await review.addTag([1, 2], 'red');
    expect(fake.chip(2, 'red')).toMatchObject({ source: 'user', state: 'accepted' });
    await review.undo();
    expect(fake.api.removeTag).toHaveBeenLastCalledWith({ imageIds: [2], tag: 'red' });
    expect(fake.chip(2, 'red')).toBeUndefined();
    expect(fake.chip(1, 'red')?.state).toBe('suggested');
  });

  it('undoes removing a tag by adding it back in its old state', async () => {
    const fake = await setup(6);
    await review.removeTag([1, 4], 'red');
    expect(fake.chip(1, 'red')).toBeUndefined();
    await review.undo();
    expect(fake.chip(1, 'red')?.state).toBe('suggested');
    expect(fake.chip(4, 'red')?.state).toBe('accepted');
  });

  it('a new action clears redo, and a failed call leaves the history alone', async () => {
    const fake = await setup(3);
    await review.setState([1], 'red', 'accepted');
    await review.undo();
    expect(review.canRedo).toBe(true);
    await review.setState([2], 'green', 'rejected');
    expect(review.canRedo).toBe(false);
    fake.api.setTagState.mockRejectedValueOnce(new Error('disk full'));
    expect(await review.setState([3], 'red', 'accepted')).toBe(false);
    expect(review.done).toHaveLength(1);
  });

  it('never accepts a suggestion the window hides, nor a rejected one', async () => {
    const fake = installFakeSkiptag({ count: 1 });
    const image = fake.images[0];
    if (image)
      image.tags = [
        { tag: 'orange', score: 0.94, state: 'rejected', source: 'auto' },
        { tag: 'yellow', score: 0.05, state: 'suggested', source: 'auto' },
      ];
    await images.reload();
    await selection.selectAll();
    expect(await review.reviewSelection('accepted')).toBe(false);
    expect(fake.api.setTagState).not.toHaveBeenCalled();
    expect(notices.items.at(-1)?.text).toBe(
      'Nothing to review: no suggestion at or above 10% is waiting on the selected photos.',
    );
  });

  it('accepts above a threshold in one request, and one undo takes exactly those back', async () => {
    const fake = await setup(9);
    const photos = await review.acceptAbove('red', 0.5);
    // Red photos 1, 4, 7 score 0.30, 0.71 and 0.42, and photo 4's is accepted already: none waits at ≥ 50%.
    expect(photos).toBe(0);
    expect(review.canUndo).toBe(false);
    const green = await review.acceptAbove('green', 0.6);
    const accepted = fake.images.filter((img) =>
      img.tags.some((t) => t.tag === 'green' && t.state === 'accepted'),
    );
    expect(green).toBe(accepted.length);
    expect(accepted.length).toBeGreaterThan(0);
    expect(review.undoLabel).toBe(`Accept “green” ≥ 60% on ${accepted.length} photos`);
    await review.undo();
    expect(fake.api.setTagState).toHaveBeenLastCalledWith({
      imageIds: accepted.map((img) => img.id),
      tag: 'green',
      state: 'suggested',
    });
    for (const img of accepted) expect(fake.chip(img.id, 'green')?.state).toBe('suggested');
  });
});
