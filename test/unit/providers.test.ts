// Execution-provider ordering and availability checks (test).
import { describe, expect, it } from 'vitest';
import {
  autoProviderOrder,
  isEpChoice,
  providersToTry,
  providerUnavailableReason,
} from '../../src-main/engine/classify/providers.js';

describe('execution provider choice', () => {
  it('auto tries the platform GPU providers first and always ends with cpu', () => {
    expect(autoProviderOrder('win32', false)).toEqual(['dml', 'webgpu', 'cpu']);
    expect(autoProviderOrder('win32', true)).toEqual(['cuda', 'dml', 'webgpu', 'cpu']);
    expect(autoProviderOrder('darwin', true)).toEqual(['coreml', 'webgpu', 'cpu']);
    expect(autoProviderOrder('linux', false)).toEqual(['webgpu', 'cpu']);
    expect(autoProviderOrder('linux', true)).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(autoProviderOrder('freebsd', false)).toEqual(['cpu']);
  });

  it('an explicit provider is tried alone', () => {
    expect(providersToTry('cuda', 'linux')).toEqual(['cuda']);
    expect(providersToTry('cpu', 'darwin')).toEqual(['cpu']);
  });

  it('explains providers that cannot exist on a platform', () => {
    expect(providerUnavailableReason('dml', 'linux')).toMatch(/not available on linux/);
    expect(providerUnavailableReason('coreml', 'win32')).toMatch(/not available on win32/);
    expect(providerUnavailableReason('cpu', 'linux')).toBeNull();
  });

  it('validates --ep values', () => {
    expect(isEpChoice('auto')).toBe(true);
    expect(isEpChoice('tpu')).toBe(false);
  });
});
