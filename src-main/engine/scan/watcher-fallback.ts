// Folder watcher's switch to polling (engine process): the one line telling the user why and how to fix it.

/** One line for the user saying why watching got slower and, where there is one, how to fix it. */
export function pollingReason(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
      // inotify_add_watch reports the per-user watch limit as ENOSPC ("no space" for watches, not disk).
      return 'file watch limit reached (ENOSPC); using polling (slower) — raise fs.inotify.max_user_watches to fix';
    case 'EMFILE':
    case 'ENFILE':
      return `too many open files or watchers (${code}); using polling (slower) — raise fs.inotify.max_user_instances or the open-file limit to fix`;
    case 'EPERM':
    case 'EACCES':
      // Typical of SMB/NFS mounts, where the kernel cannot deliver change events at all.
      return `native watching not permitted (${code}, common on network drives); using polling (slower)`;
    default:
      return `native watching failed (${code ?? error.message}); using polling (slower)`;
  }
}
