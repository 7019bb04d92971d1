// Tests for threshold review (renderer): the histogram of a tag's scores, the count before acting, one accept, one undo.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { installFakeSkiptag } from '../test-support/fake-skiptag';
import { review } from '../lib/stores/review.svelte';
import { tags } from '../lib/stores/tags.svelte';
import { threshold } from '../lib/stores/threshold.svelte';
import ThresholdReview from './ThresholdReview.svelte';

describe('ThresholdReview', () => {
  it('draws the tag’s scores, counts what a threshold takes, accepts it all at once, and one undo restores it', async () => {
    // Green photos: scores 0.3 + ((i*37) % 70)/100 for i not divisible by 3.
    const fake = installFakeSkiptag({ count: 12 });
    await tags.load();
    render(ThresholdReview);
    threshold.open('green');
    const dialog = await screen.findByRole('dialog', { name: 'Accept above a threshold' });
    await waitFor(() => expect(dialog.querySelectorAll('rect')).toHaveLength(100));
    expect((within(dialog).getByRole('combobox', { name: 'Tag' }) as HTMLSelectElement).value).toBe('green');
    expect(within(dialog).getByRole('img').getAttribute('aria-labelledby')).toBeTruthy();

    const greens = fake.images.flatMap((img) =>
      img.tags.filter((t) => t.tag === 'green').map((t) => t.score ?? 0),
    );
    const above = (min: number) => greens.filter((s) => s >= min).length;
    await fireEvent.input(within(dialog).getByRole('slider', { name: 'Threshold' }), {
      target: { value: '70' },
    });
    const label = `Accept all “green” ≥ 70% (${above(0.7)} photos)`;
    const accept = await within(dialog).findByRole('button', { name: label });
    expect(dialog.querySelectorAll('rect.above')).toHaveLength(30);
    expect(fake.api.acceptAbove).toHaveBeenLastCalledWith({ tag: 'green', minScore: 0.7, dryRun: true });

    await fireEvent.click(accept);
    await waitFor(() =>
      expect(dialog.textContent).toContain(`Done: Accept “green” ≥ 70% on ${above(0.7)} photos`),
    );
    expect(fake.api.acceptAbove).toHaveBeenCalledWith({ tag: 'green', minScore: 0.7 });
    const accepted = fake.images.filter((img) =>
      img.tags.some((t) => t.tag === 'green' && t.state === 'accepted'),
    );
    expect(accepted).toHaveLength(above(0.7));
    // The histogram now shows only what still waits.
    await within(dialog).findByText(/No suggestion waits at or above 70%/);

    await review.undo();
    for (const img of accepted) expect(fake.chip(img.id, 'green')?.state).toBe('suggested');
  });

  it('counts every tag at once when no tag is chosen', async () => {
    const fake = installFakeSkiptag({ count: 6 });
    await tags.load();
    render(ThresholdReview);
    threshold.open(null);
    const dialog = await screen.findByRole('dialog', { name: 'Accept above a threshold' });
    await fireEvent.change(within(dialog).getByRole('spinbutton', { name: 'Threshold, percent' }), {
      target: { value: '50' },
    });
    const photos = fake.images.filter((img) => img.tags.some((t) => (t.score ?? 0) >= 0.5)).length;
    await within(dialog).findByRole('button', { name: `Accept every suggestion ≥ 50% (${photos} photos)` });
  });
});
