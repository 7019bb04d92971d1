// Tests for the settings dialog (renderer): shows the provider in use and saves the edited settings.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { installFakeSkiptag } from '../test-support/fake-skiptag';
import { settings } from '../lib/stores/settings.svelte';
import SettingsDialog from './SettingsDialog.svelte';

describe('SettingsDialog', () => {
  it('shows the provider in use and saves provider, threshold and top-k', async () => {
    const fake = installFakeSkiptag();
    await settings.load();
    settings.dialogOpen = true;
    render(SettingsDialog);
    const dialog = screen.getByRole('dialog', { name: 'Settings' });
    expect(dialog.textContent).toContain('In use now: cpu');
    await fireEvent.change(screen.getByLabelText('Execution provider'), { target: { value: 'webgpu' } });
    await fireEvent.input(screen.getByLabelText('Hide suggestions below (%)'), { target: { value: '20' } });
    await fireEvent.input(screen.getByLabelText('Tags kept per photo (top-k)'), { target: { value: '3' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(fake.api.setSettings).toHaveBeenCalledWith({
      model: 'colours.onnx',
      ep: 'webgpu',
      threshold: 0.2,
      topK: 3,
    });
    await waitFor(() => expect(settings.dialogOpen).toBe(false));
    expect(settings.value?.ep).toBe('webgpu');
  });
});
