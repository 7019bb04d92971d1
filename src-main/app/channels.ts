// IPC channel names private to the Electron shell (main + preload), beyond the contract's REQUESTS and EVENTS.

/**
 * The preload sends folder paths it resolved from dropped File objects here. It is the only way a path from
 * the renderer reaches `library:addFolders`; the contract channel itself refuses paths typed by the page.
 */
export const DROPPED_PATHS_CHANNEL = 'library:addDroppedPaths';
