// Camera RAW file extensions (engine): one list for the walker's name rules and the library's RAW+JPEG pairs, with no other imports.

/** Camera RAW extensions (lower case): one of these beside a JPEG of the same name is a RAW+JPEG pair. */
// prettier-ignore
export const RAW_PHOTO_EXTENSIONS: ReadonlySet<string> = new Set([
  'cr2', 'cr3', 'crw', 'nef', 'nrw', 'arw', 'srf', 'sr2', 'dng', 'raf', 'orf', 'rw2', 'pef', 'raw', 'rwl',
  '3fr', 'erf', 'kdc', 'mrw', 'srw', 'x3f', 'iiq',
]);
