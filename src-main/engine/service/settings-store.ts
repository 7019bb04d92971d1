// The app's persisted settings (engine): model, provider, threshold, top-k and XMP write-back in <dataDir>/settings.json.

import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { settingsSchema } from '../../shared/contract.js';
import { openAtomicWriter } from '../export/atomic-file.js';

export const storedSettingsSchema = settingsSchema.omit({ providerInUse: true });
export type StoredSettings = z.infer<typeof storedSettingsSchema>;
export type SettingsPatch = Partial<StoredSettings>;

/**
 * The CLI's defaults, so the app and `skiptag tag` label (and `--xmp` writes) the same photo the same way:
 * sidecars named photo.jpg.xmp, suggestions down to the threshold (the CLI's --xmp-min-score default).
 */
export const DEFAULT_SETTINGS: StoredSettings = {
  model: null,
  ep: 'auto',
  threshold: 0,
  topK: 5,
  xmpMode: 'sidecar',
  xmpNaming: 'ext',
  xmpMinScore: 0,
  // Lightroom's and darktable's default: the RAW is the photo, the camera's JPEG comes along with it.
  pairPrimary: 'raw',
};

/**
 * Non-strict and per field on reading: a file written by a newer version (extra keys) or hand-edited
 * with one bad value keeps every setting that is still valid; one from an older version (missing keys)
 * gets the defaults for what it lacks.
 */
const fileFields = storedSettingsSchema.shape;

export class SettingsStore {
  private current: StoredSettings;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly warn: (message: string) => void = () => undefined,
  ) {
    this.current = this.load();
  }

  get(): StoredSettings {
    return { ...this.current };
  }

  /** Applies a validated patch and writes the file; returns the names of the settings that changed. */
  async update(patch: SettingsPatch): Promise<(keyof StoredSettings)[]> {
    const next = storedSettingsSchema.parse({ ...this.current, ...patch });
    const changed = (Object.keys(next) as (keyof StoredSettings)[]).filter(
      (key) => next[key] !== this.current[key],
    );
    this.current = next;
    if (changed.length > 0) {
      // Writes are chained so two quick updates cannot land in the wrong order.
      const write = this.writing.then(() => this.save(next));
      this.writing = write.catch(() => undefined);
      await write;
    }
    return changed;
  }

  /** Resolves once every update so far is on disk. */
  flushed(): Promise<void> {
    return this.writing;
  }

  private load(): StoredSettings {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.warn(`settings file ${this.file} is unreadable, using defaults: ${(error as Error).message}`);
      }
      return { ...DEFAULT_SETTINGS };
    }
    const settings: Record<string, unknown> = { ...DEFAULT_SETTINGS };
    const record = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    for (const [key, schema] of Object.entries(fileFields)) {
      if (!(key in record)) continue;
      const parsed = schema.safeParse(record[key]);
      if (parsed.success) settings[key] = parsed.data;
      else this.warn(`settings file ${this.file}: ignoring invalid "${key}"`);
    }
    return storedSettingsSchema.parse(settings);
  }

  private async save(settings: StoredSettings): Promise<void> {
    const writer = await openAtomicWriter(this.file);
    try {
      await writer.write(`${JSON.stringify(settings, null, 2)}\n`);
      await writer.commit();
    } finally {
      await writer.abort();
    }
  }
}
