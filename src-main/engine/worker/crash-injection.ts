// TEST-ONLY fault injection for the engine child process: stands in for a native crash (libvips) on a poison file.
//
// A real segfault in a decoder cannot be produced on demand, so the crash-recovery tests set
// SKIPTAG_TEST_CRASH_MARKER; the child then kills itself with SIGSEGV right after announcing (`started`)
// any file whose display path contains the marker. Without the variable this does nothing. Never set it
// outside tests.

export const TEST_CRASH_MARKER_ENV = 'SKIPTAG_TEST_CRASH_MARKER';

/** A hook to call after `started` was sent for a file, or null when fault injection is off. */
export function testCrashHook(env: NodeJS.ProcessEnv = process.env): ((display: string) => void) | null {
  const marker = env[TEST_CRASH_MARKER_ENV];
  if (!marker) return null;
  return (display) => {
    if (display.includes(marker)) process.kill(process.pid, 'SIGSEGV');
  };
}
