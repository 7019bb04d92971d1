// Tests for the export dialog (renderer): the options become the right export request; the written path shows.
import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { installFakeSkiptag } from '../test-support/fake-skiptag';
import { exporter } from '../lib/stores/export.svelte';
import { images } from '../lib/stores/images.svelte';
import { selection } from '../lib/stores/selection.svelte';
import ExportDialog from './ExportDialog.svelte';

describe('ExportDialog', () => {
  it('exports the selection as CSV with a BOM and shows the written path', async () => {
    const fake = installFakeSkiptag({ count: 10 });
    await images.reload();
    await selection.click(2, 3);
    await selection.click(4, 5, { shift: true });
    exporter.open();
    render(ExportDialog);
    const dialog = screen.getByRole('dialog', { name: 'Export labels' });
    expect(dialog).toBeTruthy();
    await fireEvent.click(screen.getByLabelText(/Selection \(3\)/));
    await fireEvent.click(screen.getByLabelText(/Byte order mark/));
    await fireEvent.click(screen.getByRole('button', { name: /Export/ }));
    expect(fake.api.exportLabels).toHaveBeenCalledWith({
      format: 'csv',
      layout: 'wide',
      scope: 'selection',
      imageIds: [3, 4, 5],
      bom: true,
    });
    await waitFor(() => expect(screen.getByText('/tmp/skiptag-export.csv')).toBeTruthy());
    expect(dialog.textContent).toContain('Wrote 10 photos');
  });

  it('exports the current filter as long JSON, without a BOM', async () => {
    const fake = installFakeSkiptag({ count: 10 });
    images.setFilter({ tag: 'red', minScore: 0.5 });
    await images.reload();
    exporter.open();
    render(ExportDialog);
    expect((screen.getByLabelText(/Selection/) as HTMLInputElement).disabled).toBe(true);
    await fireEvent.click(screen.getByLabelText('JSON'));
    await fireEvent.click(screen.getByLabelText(/One per photo and tag/));
    await fireEvent.click(screen.getByLabelText(/Current filter/));
    expect((screen.getByLabelText(/Byte order mark/) as HTMLInputElement).disabled).toBe(true);
    await fireEvent.click(screen.getByRole('button', { name: /Export/ }));
    expect(fake.api.exportLabels).toHaveBeenCalledWith({
      format: 'json',
      layout: 'long',
      scope: 'filter',
      // With the window's display threshold, so "needs review" exports what the window counts.
      filter: { review: 'all', tag: 'red', minScore: 0.5, suggestionMin: 0.1 },
      bom: false,
    });
  });

  it('says so when the user cancels the save dialog, and shows failures', async () => {
    const fake = installFakeSkiptag({ count: 1 });
    fake.api.exportLabels.mockResolvedValueOnce({ path: null, count: 0 });
    fake.api.exportLabels.mockRejectedValueOnce(new Error('EACCES: permission denied'));
    exporter.open();
    render(ExportDialog);
    await fireEvent.click(screen.getByRole('button', { name: /Export/ }));
    await waitFor(() => expect(screen.getByText(/Export cancelled/)).toBeTruthy());
    await fireEvent.click(screen.getByRole('button', { name: /Export/ }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('EACCES'));
  });
});
