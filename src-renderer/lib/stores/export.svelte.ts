// Export store (renderer): the export dialog's choices and the result of writing CSV or JSON.
import type { ExportRequest } from '$contract';
import { skiptag } from '../api';
import { errorMessage } from '../format';
import { images } from './images.svelte';
import { selection } from './selection.svelte';

export type ExportOptions = {
  format: 'csv' | 'json';
  layout: 'wide' | 'long';
  scope: 'all' | 'selection' | 'filter';
  bom: boolean;
};

/** The request for these options; the selection and filter are read at the moment of export. */
export function buildExportRequest(
  o: ExportOptions,
  selectedIds: readonly number[],
  filter: ExportRequest['filter'],
): ExportRequest {
  const request: ExportRequest = { format: o.format, layout: o.layout, scope: o.scope, bom: false };
  // BOM only means something to Excel reading CSV.
  if (o.format === 'csv') request.bom = o.bom;
  if (o.scope === 'selection') request.imageIds = [...selectedIds];
  if (o.scope === 'filter') request.filter = filter;
  return request;
}

class ExportStore {
  dialogOpen = $state(false);
  options = $state<ExportOptions>({ format: 'csv', layout: 'wide', scope: 'all', bom: false });
  running = $state(false);
  result = $state.raw<{ path: string | null; count: number } | null>(null);
  error = $state<string | null>(null);

  open(): void {
    this.result = null;
    this.error = null;
    // Default to what the user is looking at: the selection if any, else the filtered list.
    if (this.options.scope === 'selection' && selection.count === 0) this.options.scope = 'all';
    this.dialogOpen = true;
  }

  close(): void {
    this.dialogOpen = false;
  }

  async run(): Promise<void> {
    this.running = true;
    this.error = null;
    this.result = null;
    try {
      const request = buildExportRequest($state.snapshot(this.options), [...selection.ids], images.filter);
      this.result = await skiptag().exportLabels(request);
    } catch (err) {
      this.error = errorMessage(err);
    } finally {
      this.running = false;
    }
  }

  reset(): void {
    this.dialogOpen = false;
    this.options = { format: 'csv', layout: 'wide', scope: 'all', bom: false };
    this.running = false;
    this.result = null;
    this.error = null;
  }
}

export const exporter = new ExportStore();
