// TEST-ONLY fault injection for the engine child process: stands in for a native crash (libvips) on a poison file.
//
// A real segfault in a decoder cannot be produced on demand, so the crash-recovery tests set the marker
// variable (configuration's testCrashMarker); the child then kills itself with SIGSEGV right after
// announcing (`started`) any file whose display path contains the marker. Without it this does nothing.
// Never set it outside tests.

import { SKIPTAG_ENV } from '../config.js';

/** The variable the tests set in the child's environment. */
export const TEST_CRASH_MARKER_ENV = SKIPTAG_ENV.testCrashMarker;

/** A hook to call after `started` was sent for a file, or null when fault injection is off (no marker). */
export function testCrashHook(marker: string | null): ((display: string) => void) | null {
  if (!marker) return null;
  return (display) => {
    if (display.includes(marker)) process.kill(process.pid, 'SIGSEGV');
  };
}
