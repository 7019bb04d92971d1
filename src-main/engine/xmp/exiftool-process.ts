// exiftool's perl process, started so that it ends with the process that started it (engine; worker, service and CLI processes).

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ExifTool, ExifToolOptions } from 'exiftool-vendored';

/**
 * In -stay_open mode exiftool polls its argument pipe every 10 ms forever once the pipe reaches end of file,
 * so an exiftool whose parent was killed (a worker that crashed on a poison file, a CLI killed with SIGKILL)
 * would stay behind until reboot. This prologue forks a watcher that checks every 2 s whether the parent is
 * still alive, kills exiftool when it is not, and exits when exiftool does; then it runs exiftool itself.
 * The watcher closes its copies of the pipes at once, so exiftool-vendored sees exiftool's end as soon as
 * it happens. (A signal handler in exiftool itself would interrupt its blocking read, which exiftool takes
 * for a broken pipe.)
 */
const WATCH_PARENT = `
my ($exiftool, $parent) = ($$, getppid());
my $watcher = fork();
if (defined $watcher && $watcher == 0) {
  close STDIN; close STDOUT; close STDERR;
  while (getppid() == $exiftool) {
    if (!kill(0, $parent)) { kill 'KILL', $exiftool; exit 0; }
    sleep 2;
  }
  exit 0;
}
$0 = shift @ARGV; do $0; die $@ if $@; exit 0;
`;

/** The perl exiftool-vendored's script names in its first line, else the first on the PATH. */
const PERL = existsSync('/usr/bin/perl') ? '/usr/bin/perl' : 'perl';

/** -stay_open True -@ -: the arguments exiftool-vendored starts exiftool with. */
const STAY_OPEN_ARGS = ['-stay_open', 'True', '-@', '-'];

/**
 * A new ExifTool with `options`, its perl process started (at its first task) under the parent watch.
 * exiftool-vendored is loaded here, at the first use, not with the module: it costs ~40 ms of start-up
 * (measured on the 2-core dev machine) that a run with no RAW file and no keywords to import never needs.
 */
export async function startExifTool(options: Partial<ExifToolOptions>): Promise<ExifTool> {
  const { ExifTool, exiftoolPath } = await import('exiftool-vendored');
  return new ExifTool({ ...options, ...exiftoolProcessOptions(exiftoolPath) });
}

/**
 * Options for `new ExifTool(...)` that start the vendored perl exiftool under the parent watch. On Windows
 * exiftool-vendored runs exiftool.exe (no perl), which keeps its own start.
 */
function exiftoolProcessOptions(exiftoolPath: () => Promise<string>): Partial<ExifToolOptions> {
  if (process.platform === 'win32') return {};
  return {
    processFactory: async (): Promise<ChildProcess> =>
      spawn(PERL, ['-e', WATCH_PARENT, await exiftoolPath(), ...STAY_OPEN_ARGS], {
        stdio: 'pipe',
        shell: false,
        detached: false,
        // As exiftool-vendored starts it: the C locale, EXIFTOOL_HOME for a user's config; PATH finds perl.
        env: {
          LANG: 'C',
          ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
          ...(process.env.EXIFTOOL_HOME ? { EXIFTOOL_HOME: process.env.EXIFTOOL_HOME } : {}),
        },
      }),
  };
}
