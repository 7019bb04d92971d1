// TEST-ONLY fault injection for the worker process: stands in for a native crash (libvips) on a poison file.
//
// A real segfault in a decoder cannot be produced on demand, so the crash-recovery tests set
// SKIPTAG_TEST_CRASH_MARKER; the worker then kills itself with SIGSEGV right before it decodes any file
// whose path contains the marker. `render:poison` limits it to thumbnails and previews (`classify:` and
// `pixel-hash:` likewise). Without the variable this does nothing. Never set it outside tests.

export const TEST_CRASH_MARKER_ENV = 'SKIPTAG_TEST_CRASH_MARKER';

export type DecodeKind = 'classify' | 'render' | 'pixel-hash';

/** A hook to call right before a file is decoded, or null when fault injection is off. */
export function testCrashHook(
  env: NodeJS.ProcessEnv = process.env,
): ((kind: DecodeKind, file: string) => void) | null {
  const setting = env[TEST_CRASH_MARKER_ENV];
  if (!setting) return null;
  const scoped = /^(classify|render|pixel-hash):(.+)$/.exec(setting);
  const only = scoped ? (scoped[1] as DecodeKind) : null;
  const marker = scoped ? (scoped[2] as string) : setting;
  return (kind, file) => {
    if ((only === null || only === kind) && file.includes(marker)) process.kill(process.pid, 'SIGSEGV');
  };
}
