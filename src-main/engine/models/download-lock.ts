// Install lock (engine): one process at a time may write a model's partial download (the CLI and the app may race).

import { open, readFile, rm } from 'node:fs/promises';
import { DownloadError } from './download-errors.js';
import { isProcessAlive } from '../process-alive.js';

/**
 * Takes `<lockPath>` exclusively, holding our pid. A lock left by a process that no longer exists
 * (a crash, kill -9) is taken over, so a crash never blocks installs for good. Returns the release function.
 */
export async function acquireInstallLock(lockPath: string, what: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
    // Our own pid counts as alive: it means a second install of the same model inside this process (the app).
    if (Number.isInteger(owner) && owner > 0 && isProcessAlive(owner)) {
      throw new DownloadError('busy', `${what} is already being installed by process ${owner}`, true);
    }
    await rm(lockPath, { force: true });
  }
  throw new DownloadError('busy', `cannot lock ${lockPath}: another install keeps taking it`, true);
}
