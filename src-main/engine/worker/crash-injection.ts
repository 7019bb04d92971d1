// TEST-ONLY fault injection for the worker process: stands in for a native crash (libvips) on a poison file.
//
// A real segfault in a decoder cannot be produced on demand, so the crash-recovery tests set the marker
// variable (configuration's testCrashMarker); the worker then kills itself with SIGSEGV right before it
// decodes any file whose path contains the marker. `render:poison` limits it to thumbnails and previews
// (`classify:` and `pixel-hash:` likewise). Without it this does nothing. Never set it outside tests.

import { SKIPTAG_ENV } from '../config.js';

/** The variable the tests set in the worker's environment. */
export const TEST_CRASH_MARKER_ENV = SKIPTAG_ENV.testCrashMarker;

export type DecodeKind = 'classify' | 'render' | 'pixel-hash' | 'preprocess';

/** A hook to call right before a file is decoded, or null when fault injection is off (no marker). */
export function testCrashHook(setting: string | null): ((kind: DecodeKind, file: string) => void) | null {
  if (!setting) return null;
  const scoped = /^(classify|render|pixel-hash):(.+)$/.exec(setting);
  const only = scoped ? (scoped[1] as DecodeKind) : null;
  const marker = scoped ? (scoped[2] as string) : setting;
  return (kind, file) => {
    if ((only === null || only === kind) && file.includes(marker)) process.kill(process.pid, 'SIGSEGV');
  };
}
