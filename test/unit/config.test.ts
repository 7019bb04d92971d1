// Configuration tests (test): option > SKIPTAG_* variable > default for each setting, and each OS's data folder.
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  resolveConfig,
  serviceConfig,
  SKIPTAG_ENV,
  type ConfigSystem,
} from '../../src-main/engine/config.js';

const linux: ConfigSystem = { platform: 'linux', home: '/home/me' };
const resolve = (options: Parameters<typeof resolveConfig>[0], env: NodeJS.ProcessEnv) =>
  resolveConfig(options, env, linux);

const DEFAULT_LIBRARY = '/home/me/.local/share/skiptag/library.db';

describe('resolveConfig precedence: option, else variable, else default', () => {
  it('library file', () => {
    const env = { SKIPTAG_LIBRARY: '/env/lib.db' };
    expect(resolve({ library: '/opt/lib.db' }, env).libraryFile).toBe('/opt/lib.db');
    expect(resolve({}, env).libraryFile).toBe('/env/lib.db');
    expect(resolve({}, {}).libraryFile).toBe(DEFAULT_LIBRARY);
    expect(resolve({}, {}).defaultLibraryFile).toBe(DEFAULT_LIBRARY);
    // The default stays what help texts name, whatever was chosen.
    expect(resolve({ library: '/opt/lib.db' }, env).defaultLibraryFile).toBe(DEFAULT_LIBRARY);
  });

  it('data folder: option, variable, else the library’s folder', () => {
    const env = { SKIPTAG_DATA_DIR: '/env/data', SKIPTAG_LIBRARY: '/env/lib/library.db' };
    expect(resolve({ dataDir: '/opt/data' }, env).dataDir).toBe('/opt/data');
    expect(resolve({}, env).dataDir).toBe('/env/data');
    expect(resolve({}, { SKIPTAG_LIBRARY: '/env/lib/library.db' }).dataDir).toBe('/env/lib');
    expect(
      resolve({ library: '/opt/x/library.db' }, { SKIPTAG_LIBRARY: '/env/lib/library.db' }).dataDir,
    ).toBe('/opt/x');
    expect(resolve({}, {}).dataDir).toBe('/home/me/.local/share/skiptag');
  });

  it('model: a path or a name, else null (the search picks one)', () => {
    expect(resolve({ model: 'birds' }, { SKIPTAG_MODEL: 'colours' }).model).toBe('birds');
    expect(resolve({}, { SKIPTAG_MODEL: 'colours' }).model).toBe('colours');
    // Names and relative paths are kept as given: locateModel tells them apart.
    expect(resolve({}, { SKIPTAG_MODEL: 'rel/model.onnx' }).model).toBe('rel/model.onnx');
    expect(resolve({}, {}).model).toBeNull();
  });

  it('models folder: the variable, else models/ beside the default library (not a chosen one)', () => {
    expect(resolve({}, { SKIPTAG_MODELS_DIR: '/env/models' }).models.dir).toBe('/env/models');
    expect(resolve({}, {}).models.dir).toBe('/home/me/.local/share/skiptag/models');
    expect(resolve({ library: '/opt/lib.db' }, { SKIPTAG_LIBRARY: '/env/lib.db' }).models.dir).toBe(
      '/home/me/.local/share/skiptag/models',
    );
  });

  it('catalogue: the variable, else null (the bundled one)', () => {
    expect(resolve({}, { SKIPTAG_MODEL_CATALOG: '/env/catalog.json' }).models.catalogFile).toBe(
      '/env/catalog.json',
    );
    expect(resolve({}, {}).models.catalogFile).toBeNull();
  });

  it('mirror: option, variable, else null (the catalogue’s URLs)', () => {
    const env = { SKIPTAG_MODEL_MIRROR: 'https://env.example/models/' };
    expect(resolve({ mirror: 'https://opt.example/' }, env).models.mirror).toBe('https://opt.example/');
    expect(resolve({}, env).models.mirror).toBe('https://env.example/models/');
    expect(resolve({}, {}).models.mirror).toBeNull();
  });

  it('test crash marker: the variable, else null', () => {
    expect(resolve({}, { SKIPTAG_TEST_CRASH_MARKER: 'poison' }).testCrashMarker).toBe('poison');
    expect(resolve({}, {}).testCrashMarker).toBeNull();
  });

  it('rules file: rules.yml in the OS data folder, wherever the library is', () => {
    expect(resolve({}, {}).rulesFile).toBe('/home/me/.local/share/skiptag/rules.yml');
    expect(resolve({ library: '/opt/lib.db' }, {}).rulesFile).toBe('/home/me/.local/share/skiptag/rules.yml');
  });

  it('treats an empty variable or option as unset', () => {
    const empty = Object.fromEntries(Object.values(SKIPTAG_ENV).map((name) => [name, '']));
    const config = resolve({ library: '', dataDir: '', model: '', mirror: '' }, empty);
    expect(config).toEqual(resolve({}, {}));
    expect(config).toMatchObject({ model: null, testCrashMarker: null });
    expect(config.models).toEqual({
      dir: '/home/me/.local/share/skiptag/models',
      catalogFile: null,
      mirror: null,
    });
    // An empty option falls back to the variable, not to the default.
    expect(resolve({ library: '' }, { SKIPTAG_LIBRARY: '/env/lib.db' }).libraryFile).toBe('/env/lib.db');
    expect(resolve({ model: '' }, { SKIPTAG_MODEL: 'colours' }).model).toBe('colours');
  });

  it('makes relative paths absolute against the working folder', () => {
    const config = resolveConfig(
      { library: 'rel/lib.db' },
      { SKIPTAG_MODELS_DIR: 'rel/models', SKIPTAG_MODEL_CATALOG: 'rel/catalog.json' },
    );
    expect(config.libraryFile).toBe(path.resolve('rel/lib.db'));
    expect(config.dataDir).toBe(path.resolve('rel'));
    expect(config.models.dir).toBe(path.resolve('rel/models'));
    expect(config.models.catalogFile).toBe(path.resolve('rel/catalog.json'));
  });

  it('reads the process environment by default', () => {
    vi.stubEnv(SKIPTAG_ENV.testCrashMarker, 'from-process-env');
    try {
      expect(resolveConfig().testCrashMarker).toBe('from-process-env');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('the per-user data folder of each OS', () => {
  const library = (system: ConfigSystem, env: NodeJS.ProcessEnv) =>
    resolveConfig({}, env, system).libraryFile;

  it('uses $XDG_DATA_HOME on Linux', () => {
    expect(library(linux, { XDG_DATA_HOME: '/data/me' })).toBe('/data/me/skiptag/library.db');
    expect(resolveConfig({}, { XDG_DATA_HOME: '/data/me' }, linux).models.dir).toBe(
      '/data/me/skiptag/models',
    );
  });

  it('falls back to ~/.local/share on Linux when XDG_DATA_HOME is unset, empty or relative', () => {
    expect(library(linux, {})).toBe(DEFAULT_LIBRARY);
    expect(library(linux, { XDG_DATA_HOME: '' })).toBe(DEFAULT_LIBRARY);
    expect(library({ platform: 'freebsd', home: '/home/me' }, { XDG_DATA_HOME: 'rel/dir' })).toBe(
      DEFAULT_LIBRARY,
    );
  });

  it('uses %APPDATA% on Windows, else ~\\AppData\\Roaming', () => {
    const windows = { platform: 'win32', home: 'C:\\Users\\me' } as const;
    expect(library(windows, { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' })).toBe(
      'C:\\Users\\me\\AppData\\Roaming\\Skiptag\\library.db',
    );
    expect(library({ platform: 'win32', home: 'D:\\home\\me' }, {})).toBe(
      'D:\\home\\me\\AppData\\Roaming\\Skiptag\\library.db',
    );
    const config = resolveConfig({}, { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, windows);
    expect(config.models.dir).toBe('C:\\Users\\me\\AppData\\Roaming\\Skiptag\\models');
    expect(config.dataDir).toBe('C:\\Users\\me\\AppData\\Roaming\\Skiptag');
  });

  it('uses ~/Library/Application Support on macOS, ignoring XDG', () => {
    expect(library({ platform: 'darwin', home: '/Users/me' }, { XDG_DATA_HOME: '/x' })).toBe(
      '/Users/me/Library/Application Support/Skiptag/library.db',
    );
  });
});

describe('serviceConfig', () => {
  it('reads main’s --library, --data-dir and --model, each over its variable', () => {
    const env = { SKIPTAG_LIBRARY: '/env/lib.db', SKIPTAG_DATA_DIR: '/env/data', SKIPTAG_MODEL: 'colours' };
    expect(serviceConfig([], env)).toMatchObject({
      libraryFile: '/env/lib.db',
      dataDir: '/env/data',
      model: 'colours',
    });
    expect(
      serviceConfig(['--library', '/a/lib.db', '--data-dir', '/a/data', '--model', '/a/m.onnx'], env),
    ).toMatchObject({ libraryFile: '/a/lib.db', dataDir: '/a/data', model: '/a/m.onnx' });
  });

  it('refuses unknown arguments, so a typo in main fails instead of opening another library', () => {
    expect(() => serviceConfig(['--libary', '/a/lib.db'], {})).toThrow(/--libary/);
    expect(() => serviceConfig(['stray'], {})).toThrow();
  });
});
