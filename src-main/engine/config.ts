// Skiptag's configuration (engine; CLI, service, worker): options > SKIPTAG_* variables > defaults, resolved once.

import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

/**
 * Every variable Skiptag reads, by the setting it fills. Only this module reads them: entry points call
 * resolveConfig once and hand plain values down, so library code never looks at the environment.
 */
export const SKIPTAG_ENV = {
  library: 'SKIPTAG_LIBRARY',
  dataDir: 'SKIPTAG_DATA_DIR',
  model: 'SKIPTAG_MODEL',
  modelsDir: 'SKIPTAG_MODELS_DIR',
  modelCatalog: 'SKIPTAG_MODEL_CATALOG',
  modelMirror: 'SKIPTAG_MODEL_MIRROR',
  testCrashMarker: 'SKIPTAG_TEST_CRASH_MARKER',
  cacheDir: 'SKIPTAG_CACHE_DIR',
} as const;

/** Where models come from: the installed-models folder, the catalogue and the download mirror. */
export interface ModelSources {
  /** Installed (catalogue) and imported models: $SKIPTAG_MODELS_DIR, else models/ in the OS data folder. */
  dir: string;
  /** $SKIPTAG_MODEL_CATALOG (private catalogues, tests); null: the bundled models/catalog.json. */
  catalogFile: string | null;
  /** --mirror, else $SKIPTAG_MODEL_MIRROR: fetch `<mirror>/<file name>`; null: the catalogue's URLs. */
  mirror: string | null;
}

export interface SkiptagConfig {
  /** The library database: --library, else $SKIPTAG_LIBRARY, else defaultLibraryFile. Absolute. */
  libraryFile: string;
  /** library.db in the per-user data folder of the OS (help texts name it). */
  defaultLibraryFile: string;
  /** The app's settings.json and thumbnails: --data-dir, else $SKIPTAG_DATA_DIR, else the library's folder. */
  dataDir: string;
  /** --model, else $SKIPTAG_MODEL: a file or a model name; null: locateModel's search picks one. */
  model: string | null;
  models: ModelSources;
  /** rules.yml in the OS data folder: the tag rules when --rules is not given and the file exists. */
  rulesFile: string;
  /**
   * Small caches that only make start-up faster (model hashes, GPU probe answers): $SKIPTAG_CACHE_DIR,
   * else cache/ in the OS data folder. Losing it costs time, never results.
   */
  cacheDir: string;
  /** Test-only fault injection (see worker/crash-injection.ts): $SKIPTAG_TEST_CRASH_MARKER, else null. */
  testCrashMarker: string | null;
}

/** Command-line options; each one wins over its variable. Unset and empty both mean "not given". */
export interface ConfigOptions {
  library?: string | undefined;
  dataDir?: string | undefined;
  model?: string | undefined;
  mirror?: string | undefined;
}

/** The OS whose conventions give the defaults: a parameter, so every system's rules can be tested on any. */
export interface ConfigSystem {
  platform: NodeJS.Platform;
  home: string;
}

/**
 * Resolves every setting once. An empty variable counts as unset (`SKIPTAG_LIBRARY= skiptag …` uses the
 * default), as does an empty option. Paths come back absolute, resolved against the working folder.
 */
export function resolveConfig(
  options: ConfigOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  system: ConfigSystem = { platform: process.platform, home: os.homedir() },
): SkiptagConfig {
  const paths = system.platform === 'win32' ? path.win32 : path.posix;
  const pick = (option: string | undefined, name: string): string | null => option || env[name] || null;
  const userDir = userDataDir(system, env);
  const defaultLibraryFile = paths.join(userDir, 'library.db');
  const libraryFile = paths.resolve(pick(options.library, SKIPTAG_ENV.library) ?? defaultLibraryFile);
  const catalogFile = pick(undefined, SKIPTAG_ENV.modelCatalog);
  return {
    libraryFile,
    defaultLibraryFile,
    dataDir: paths.resolve(pick(options.dataDir, SKIPTAG_ENV.dataDir) ?? paths.dirname(libraryFile)),
    model: pick(options.model, SKIPTAG_ENV.model),
    models: {
      // In the per-user data folder even when another library is chosen: every library shares the downloads.
      dir: paths.resolve(pick(undefined, SKIPTAG_ENV.modelsDir) ?? paths.join(userDir, 'models')),
      catalogFile: catalogFile === null ? null : paths.resolve(catalogFile),
      mirror: pick(options.mirror, SKIPTAG_ENV.modelMirror),
    },
    rulesFile: paths.join(userDir, 'rules.yml'),
    cacheDir: paths.resolve(pick(undefined, SKIPTAG_ENV.cacheDir) ?? paths.join(userDir, 'cache')),
    testCrashMarker: pick(undefined, SKIPTAG_ENV.testCrashMarker),
  };
}

/**
 * The service process's configuration from main's arguments `--library FILE --data-dir DIR --model FILE`
 * and the environment. Throws on unknown arguments, so a typo in main's fork call fails loudly instead of
 * opening another library.
 */
export function serviceConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): SkiptagConfig {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: { library: { type: 'string' }, 'data-dir': { type: 'string' }, model: { type: 'string' } },
  });
  return resolveConfig({ library: values.library, dataDir: values['data-dir'], model: values.model }, env);
}

/**
 * The per-user data folder of each OS:
 * - Linux and other Unixes: `$XDG_DATA_HOME/skiptag`, else `~/.local/share/skiptag`
 * - Windows: `%APPDATA%\Skiptag`, else `~\AppData\Roaming\Skiptag`
 * - macOS: `~/Library/Application Support/Skiptag`
 */
function userDataDir({ platform, home }: ConfigSystem, env: NodeJS.ProcessEnv): string {
  if (platform === 'win32') {
    return path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), 'Skiptag');
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'Skiptag');
  // The XDG spec says a relative $XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  const dataHome = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.local', 'share');
  return path.posix.join(dataHome, 'skiptag');
}
