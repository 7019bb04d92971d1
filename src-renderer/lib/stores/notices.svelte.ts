// App-level messages store (renderer): failed API calls and short confirmations, shown in an aria-live region.
import { errorMessage } from '../format';

export type Notice = { id: number; kind: 'error' | 'info'; text: string };

class NoticesStore {
  items = $state.raw<Notice[]>([]);
  #next = 1;

  /** Errors stay until dismissed (users must get to read them); confirmations fade after a few seconds. */
  push(kind: Notice['kind'], text: string): number {
    const id = this.#next++;
    this.items = [...this.items.slice(-4), { id, kind, text }];
    if (kind === 'info') setTimeout(() => this.dismiss(id), 5000);
    return id;
  }

  info(text: string): void {
    this.push('info', text);
  }

  error(context: string, err: unknown): void {
    this.push('error', `${context}: ${errorMessage(err)}`);
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
