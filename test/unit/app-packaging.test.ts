// Packaging configuration (test): electron-builder.yml sets every hardening fuse, by names electron-builder itself defines.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/run-cli.js';

const config = parse(readFileSync(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as {
  electronFuses?: Record<string, unknown>;
};

/** The option names of electron-builder's FuseOptionsV1, read from the installed version's typings. */
function fuseOptionNames(): string[] {
  const require = createRequire(import.meta.url);
  const typings = path.join(
    path.dirname(require.resolve('app-builder-lib/package.json')),
    'out',
    'configuration.d.ts',
  );
  const source = readFileSync(typings, 'utf8');
  const body = /export interface FuseOptionsV1 \{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';
  return [...body.matchAll(/^\s{4}(\w+)\?: boolean;$/gm)].map((m) => m[1] ?? '');
}

describe('electron-builder fuses', () => {
  it('sets each security fuse, by a name electron-builder knows (a misspelt key is silently ignored)', () => {
    const known = fuseOptionNames();
    expect(known).toContain('grantFileProtocolExtraPrivileges');
    const fuses = config.electronFuses ?? {};
    for (const key of Object.keys(fuses)) expect(known, key).toContain(key);
    expect(fuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      // Pages are served from app://; file:// pages must not get fetch, service workers or universal access.
      grantFileProtocolExtraPrivileges: false,
    });
  });
});
