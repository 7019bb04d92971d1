// File errors store (renderer): photos that could not be read or classified, with the engine's error code.
import type { FileErrorInfo } from '$contract';
import { skiptag } from '../api';

const LIMIT = 500;

class ErrorsStore {
  list = $state.raw<FileErrorInfo[]>([]);
  /** The list was cut at LIMIT; the "errors" filter in the grid shows them all. */
  truncated = $state(false);

  async load(): Promise<void> {
    try {
      this.list = await skiptag().listErrors({ limit: LIMIT });
      this.truncated = this.list.length >= LIMIT;
    } catch {
      // Keep the last list: a failed refresh should not make known errors vanish.
    }
  }

  reset(): void {
    this.list = [];
    this.truncated = false;
  }
}

export const errors = new ErrorsStore();
