// MessageChannelMain for the engine children (Electron main), loaded when first needed so engine-host.ts imports without Electron.

import { createRequire } from 'node:module';
import type * as Electron from 'electron';

/**
 * main.ts hands engine-host.ts `utilityProcess` but not MessageChannelMain; requiring electron here, at the
 * first engine child, keeps engine-host.ts (and its unit tests) free of a static electron import.
 */
export function electronMessageChannel(): Electron.MessageChannelMain {
  const electron = createRequire(import.meta.url)('electron') as typeof Electron;
  return new electron.MessageChannelMain();
}
