// Tests for the filter bar (renderer): what the search looks at, the tag band's hint, sort order, view options.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { installFakeSkiptag } from '../test-support/fake-skiptag';
import { images } from '../lib/stores/images.svelte';
import { view } from '../lib/stores/view.svelte';
import Filters from './Filters.svelte';

async function show() {
  const fake = installFakeSkiptag({ count: 4 });
  await images.reload();
  const onhelp = vi.fn();
  render(Filters, { onhelp });
  return { fake, onhelp };
}

describe('Filters', () => {
  it('says it searches file names, and whole paths with the toggle', async () => {
    const { fake } = await show();
    const box = screen.getByRole('searchbox', { name: 'Search file names' });
    await fireEvent.input(box, { target: { value: 'p2' } });
    await fireEvent.keyDown(box, { key: 'Enter' });
    await waitFor(() =>
      expect(fake.api.queryImages).toHaveBeenLastCalledWith(
        expect.objectContaining({ filter: expect.objectContaining({ text: 'p2' }) as unknown }),
      ),
    );
    expect(images.filter.textIn).toBeUndefined();
    await fireEvent.click(screen.getByRole('button', { name: 'Paths' }));
    expect(screen.getByRole('button', { name: 'Paths' }).getAttribute('aria-pressed')).toBe('true');
    screen.getByRole('searchbox', { name: 'Search folder and file names' });
    expect(images.filter).toMatchObject({ text: 'p2', textIn: 'path' });
  });

  it('explains why the confidence band waits for a tag', async () => {
    await show();
    const min = screen.getByRole('spinbutton', { name: /Minimum confidence/ }) as HTMLInputElement;
    expect(min.disabled).toBe(true);
    const hint = document.getElementById(min.getAttribute('aria-describedby') ?? '');
    expect(hint?.textContent?.trim()).toBe('Pick a tag first');
    images.setFilter({ tag: 'red' });
    await waitFor(() => expect(min.disabled).toBe(false));
    expect(screen.getByRole('button', { name: 'Review “red” by threshold' })).toBeTruthy();
  });

  it('sorts by date taken, newest first, and by name either way', async () => {
    const { fake } = await show();
    const [sort] = screen.getAllByRole('combobox', { name: 'Sort' });
    await fireEvent.change(sort as HTMLSelectElement, { target: { value: 'taken' } });
    await waitFor(() =>
      expect(fake.api.queryImages).toHaveBeenLastCalledWith(
        expect.objectContaining({ sort: { by: 'taken', descending: true } }),
      ),
    );
    await fireEvent.change(sort as HTMLSelectElement, { target: { value: 'name' } });
    await fireEvent.click(screen.getAllByRole('button', { name: 'Descending' })[0] as HTMLElement);
    await waitFor(() => expect(images.sort).toEqual({ by: 'name', descending: true }));
    // Confidence orders by the tag's score: only with a tag filter.
    const score = [...(sort as HTMLSelectElement).options].find((o) => o.value === 'score');
    expect(score?.disabled).toBe(true);
  });

  it('sets thumbnail size, crop and the display threshold from the View menu', async () => {
    const { onhelp } = await show();
    await fireEvent.click(screen.getByRole('button', { name: 'View' }));
    await fireEvent.input(screen.getByRole('slider', { name: 'Thumbnail size' }), {
      target: { value: '240' },
    });
    expect(view.thumbSize).toBe(240);
    await fireEvent.click(screen.getByRole('radio', { name: 'Fill the square' }));
    expect(view.fit).toBe('crop');
    await fireEvent.change(screen.getByRole('spinbutton', { name: 'Hide suggestions under, percent' }), {
      target: { value: '25' },
    });
    expect(view.threshold).toBe(0.25);
    await fireEvent.click(screen.getByRole('checkbox', { name: /Show suggestions under 25%/ }));
    expect(view.effectiveThreshold).toBe(0);
    await fireEvent.click(screen.getByRole('button', { name: /Keyboard shortcuts/ }));
    expect(onhelp).toHaveBeenCalled();
  });
});
