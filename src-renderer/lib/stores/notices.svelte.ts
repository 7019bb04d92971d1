// App-level messages store (renderer): failed API calls and short confirmations, shown in an aria-live region.
import type { ErrorCode } from '$contract';
import { SkiptagError } from '../api';
import { errorMessage } from '../format';

/** `code`: the failed request's error code (null for confirmations and errors that are not a request's). */
export type Notice = { id: number; kind: 'error' | 'info'; text: string; code: ErrorCode | null };

/** Failures that pass by themselves (another writer lets go of the library, the engine comes back). */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set(['library_busy', 'engine_unavailable']);

class NoticesStore {
  items = $state.raw<Notice[]>([]);
  #next = 1;

  /** Errors stay until dismissed (users must get to read them); confirmations fade after a few seconds. */
  push(kind: Notice['kind'], text: string, code: ErrorCode | null = null): number {
    const id = this.#next++;
    this.items = [...this.items.slice(-4), { id, kind, text, code }];
    if (kind === 'info') setTimeout(() => this.dismiss(id), 5000);
    return id;
  }

  info(text: string): void {
    this.push('info', text);
  }

  error(context: string, err: unknown): void {
    const code = err instanceof SkiptagError ? err.code : null;
    const retry = code !== null && TRANSIENT.has(code) ? ' (try again in a moment)' : '';
    this.push('error', `${context}: ${errorMessage(err)}${retry}`, code);
  }

  dismiss(id: number): void {
    this.items = this.items.filter((n) => n.id !== id);
  }

  reset(): void {
    this.items = [];
  }
}

export const notices = new NoticesStore();

/** Runs an API call and reports a failure as a notice; resolves to undefined when it failed. */
export async function attempt<T>(context: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    notices.error(context, err);
    return undefined;
  }
}
