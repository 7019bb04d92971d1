// Tests for similar photos and personal tags in the UI (renderer): More like this, near duplicates, least certain first, personal chips.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { installFakeSkiptag } from '../test-support/fake-skiptag';
import { detail } from '../lib/stores/detail.svelte';
import { images } from '../lib/stores/images.svelte';
import { similar } from '../lib/stores/similar.svelte';
import DetailPanel from './DetailPanel.svelte';
import Sidebar from './Sidebar.svelte';
import TagChip from './TagChip.svelte';

const noop = (): void => {};

describe('More like this', () => {
  it('fills the grid with the photo and its neighbours, most similar first, until Show all', async () => {
    const fake = installFakeSkiptag({ count: 6 });
    const photo = fake.images[2];
    if (!photo) throw new Error('no photo');
    await detail.open(photo.id);
    render(DetailPanel, { onclose: noop });
    await fireEvent.click(await screen.findByRole('button', { name: /More like this/ }));
    await waitFor(() => expect(images.filter.imageIds?.[0]).toBe(photo.id));
    expect(fake.api.findSimilar).toHaveBeenCalledWith({ imageId: photo.id, top: 200 });
    expect(similar.current?.title).toBe(`Photos like ${photo.name}`);
    await waitFor(() => expect(images.total).toBe(6));
    // Nearest ids first in the fake: the grid keeps the service's order.
    expect(images.item(0)?.id).toBe(photo.id);
    expect([images.item(1)?.id, images.item(2)?.id].sort()).toEqual(
      [fake.images[1]?.id, fake.images[3]?.id].sort(),
    );
    similar.clear();
    expect(images.filter.imageIds).toBeUndefined();
    expect(similar.current).toBeNull();
  });
});

describe('sidebar lists', () => {
  it('shows near-duplicate groups, and personal tags with what they learned and least certain first', async () => {
    const fake = installFakeSkiptag({
      count: 5,
      personalTags: [
        {
          tag: 'our cabin',
          positives: 14,
          negatives: 30,
          precision: 0.9,
          recall: 0.7,
          trainedAt: '2026-12-01T00:00:00Z',
        },
      ],
    });
    await similar.loadPersonal();
    render(Sidebar, { onexport: noop, onsettings: noop, onopenimage: noop });
    await fireEvent.click(screen.getByRole('button', { name: 'Near duplicates' }));
    await waitFor(() => expect(similar.current?.kind).toBe('duplicates'));
    expect(images.filter.imageIds).toEqual([fake.images[0]?.id, fake.images[1]?.id]);

    expect(screen.getByRole('button', { name: /^our cabin/ }).textContent).toContain(
      'learned from 14 photos, ~90% precise at 70% recall',
    );
    await fireEvent.click(screen.getByRole('button', { name: 'Review least certain' }));
    await waitFor(() => expect(similar.current?.kind).toBe('uncertain'));
    expect(fake.api.leastCertain).toHaveBeenCalledWith({ tag: 'our cabin', limit: 500 });
    expect(images.filter.imageIds).toEqual(fake.images.map((i) => i.id).reverse());
    // Choosing a review filter ends the list.
    await fireEvent.click(screen.getByRole('button', { name: /^All photos/ }));
    expect(similar.current).toBeNull();
  });
});

describe('TagChip', () => {
  it('marks a personal tag as learned from the user’s photos, for eyes and screen readers', () => {
    render(TagChip, { chip: { tag: 'our cabin', source: 'personal', state: 'suggested', score: 0.83 } });
    const chip = document.querySelector('[data-tag="our cabin"]');
    expect(chip?.getAttribute('data-source')).toBe('personal');
    expect(chip?.getAttribute('title')).toContain('your own tag, learned from your photos');
    expect(chip?.textContent).toContain('personal');
  });
});
