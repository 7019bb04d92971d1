// Tests for the full-screen viewer (renderer): opens on a photo of the list, moves with arrows, decides with keys, zooms.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import { installFakeSkiptag } from '../test-support/fake-skiptag';
import { images } from '../lib/stores/images.svelte';
import { viewer } from '../lib/stores/viewer.svelte';
import Viewer from './Viewer.svelte';

async function openAt(index: number, count = 5) {
  const fake = installFakeSkiptag({ count });
  await images.reload();
  const onclose = vi.fn();
  render(Viewer, { onclose });
  await viewer.open(index);
  const dialog = await screen.findByRole('dialog', { name: `p${index + 1}.jpg` });
  return { fake, dialog, onclose };
}

describe('Viewer', () => {
  it('shows the photo with its number and tags, and moves through the list with the arrow keys', async () => {
    const { dialog } = await openAt(1);
    expect(dialog.textContent).toContain('2 of 5');
    expect(dialog.querySelector('img')?.getAttribute('src')).toContain('/preview/2');
    // The 5% suggestion is hidden; the number keys go to the tags shown.
    expect([...dialog.querySelectorAll('[data-tag]')].map((c) => c.getAttribute('data-tag'))).toEqual([
      'green',
    ]);
    await fireEvent.keyDown(dialog, { key: 'ArrowRight' });
    await screen.findByRole('dialog', { name: 'p3.jpg' });
    await fireEvent.keyDown(dialog, { key: 'ArrowLeft' });
    await screen.findByRole('dialog', { name: 'p2.jpg' });
  });

  it('decides with number keys (again to take it back, Shift to reject) and with A and R', async () => {
    const { fake, dialog } = await openAt(1);
    const shown = () => dialog.querySelector('[data-tag="green"]')?.getAttribute('data-state');
    await fireEvent.keyDown(dialog, { key: '1', code: 'Digit1' });
    await waitFor(() => expect(fake.chip(2, 'green')?.state).toBe('accepted'));
    await waitFor(() => expect(shown()).toBe('accepted'));
    await fireEvent.keyDown(dialog, { key: '1', code: 'Digit1' });
    await waitFor(() => expect(fake.chip(2, 'green')?.state).toBe('suggested'));
    await waitFor(() => expect(shown()).toBe('suggested'));
    await fireEvent.keyDown(dialog, { key: '!', code: 'Digit1', shiftKey: true });
    await waitFor(() => expect(fake.chip(2, 'green')?.state).toBe('rejected'));
    await waitFor(() => expect(shown()).toBe('rejected'));
    // R and A act on the best suggestion shown: green is rejected and blue (5%) is hidden, so nothing.
    await fireEvent.keyDown(dialog, { key: 'a' });
    expect(fake.api.setTagState).toHaveBeenCalledTimes(3);
  });

  it('shows actual pixels with Z and closes with Escape', async () => {
    const { dialog, onclose } = await openAt(0);
    await fireEvent.keyDown(dialog, { key: 'z' });
    await waitFor(() => expect(dialog.querySelector('img')?.getAttribute('src')).toContain('/full/1'));
    expect(screen.getByRole('button', { name: /100%/ }).getAttribute('aria-pressed')).toBe('true');
    await fireEvent(dialog, new Event('cancel', { cancelable: true }));
    expect(onclose).toHaveBeenCalled();
  });
});
