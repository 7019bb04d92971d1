// Settings store (renderer): model, execution provider (and the one actually in use), threshold and top-k.
import type { Settings } from '$contract';
import { skiptag } from '../api';
import { attempt, notices } from './notices.svelte';

export type SettingsPatch = Partial<Omit<Settings, 'providerInUse'>>;

class SettingsStore {
  value = $state.raw<Settings | null>(null);
  saving = $state(false);
  dialogOpen = $state(false);

  async load(): Promise<void> {
    const value = await attempt('Could not read settings', () => skiptag().getSettings({}));
    if (value) this.value = value;
  }

  async save(patch: SettingsPatch): Promise<boolean> {
    this.saving = true;
    try {
      const value = await attempt('Could not save settings', () => skiptag().setSettings(patch));
      if (!value) return false;
      this.value = value;
      notices.info('Settings saved.');
      return true;
    } finally {
      this.saving = false;
    }
  }

  reset(): void {
    this.value = null;
    this.saving = false;
    this.dialogOpen = false;
  }
}

export const settings = new SettingsStore();
