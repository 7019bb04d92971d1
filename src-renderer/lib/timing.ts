// Rate limiting helpers (renderer): keep bursts of events and keystrokes from becoming bursts of requests.

export type Limited = (() => void) & { cancel: () => void };

/** Runs at once, then at most once per `ms` while calls keep coming, always once after the last call. */
export function throttle(fn: () => void, ms: number): Limited {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = -Infinity;
  const run = (): void => {
    timer = undefined;
    last = Date.now();
    fn();
  };
  const call = (): void => {
    if (timer !== undefined) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
  return Object.assign(call, { cancel: () => clearTimeout(timer) });
}

/** Runs `ms` after the last call (typing in a search box). */
export function debounce<A extends unknown[]>(
  fn: (...args: A) => void,
  ms: number,
): ((...args: A) => void) & {
  cancel: () => void;
} {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = (...args: A): void => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  return Object.assign(call, { cancel: () => clearTimeout(timer) });
}
