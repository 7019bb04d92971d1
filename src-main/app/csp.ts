// The Content-Security-Policy the app:// protocol sends with every HTML page (Electron main).

/**
 * Nothing inline, nothing evaluated, nothing remote: scripts and styles only from the app's own files, images
 * also from app://thumb and app://preview (other hosts of the app: scheme, hence `app:`).
 */
export const CSP_DIRECTIVES: Readonly<Record<string, string>> = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' app:",
  'font-src': "'self'",
  'connect-src': "'self'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
};

export const CONTENT_SECURITY_POLICY = Object.entries(CSP_DIRECTIVES)
  .map(([directive, sources]) => `${directive} ${sources}`)
  .join('; ');
