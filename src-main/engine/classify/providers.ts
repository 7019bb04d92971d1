// Execution-provider choice (engine): maps a user's --ep to the onnxruntime-node providers to try, in order.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EP_CHOICES, type EpChoice } from '../../shared/ep-choices.js';

// Defined once, in shared/ep-choices.ts (the settings offer them); the engine and the CLI import them from here.
export { EP_CHOICES, type EpChoice };
export type ProviderName = Exclude<EpChoice, 'auto'>;

export function isEpChoice(value: string): value is EpChoice {
  return (EP_CHOICES as readonly string[]).includes(value);
}

/** What onnxruntime-node 1.30 ships for each platform (CUDA only after its opt-in download). */
const SHIPPED: Record<string, readonly ProviderName[]> = {
  win32: ['dml', 'webgpu', 'cpu', 'cuda'],
  darwin: ['coreml', 'webgpu', 'cpu'],
  linux: ['webgpu', 'cpu', 'cuda'],
};

/**
 * Providers `auto` tries, best first. CUDA leads where its binaries are installed because it is
 * the fastest; DirectML/CoreML are native to their OS; WebGPU is the portable GPU path; CPU
 * always works and ends every list, so `auto` never fails for lack of a GPU.
 */
export function autoProviderOrder(
  platform: string = process.platform,
  cudaInstalled = isCudaInstalled(),
): ProviderName[] {
  const order: ProviderName[] = [];
  if (cudaInstalled && platform !== 'darwin') order.push('cuda');
  if (platform === 'win32') order.push('dml');
  if (platform === 'darwin') order.push('coreml');
  if (platform === 'win32' || platform === 'darwin' || platform === 'linux') order.push('webgpu');
  order.push('cpu');
  return order;
}

/** The providers to try for a --ep choice; an explicit choice is tried alone (no silent fallback). */
export function providersToTry(choice: EpChoice, platform: string = process.platform): ProviderName[] {
  return choice === 'auto' ? autoProviderOrder(platform) : [choice];
}

/** Why a provider cannot work on this platform before even trying, or null when it might. */
export function providerUnavailableReason(
  provider: ProviderName,
  platform: string = process.platform,
): string | null {
  const shipped = SHIPPED[platform] ?? ['cpu'];
  if (!shipped.includes(provider)) return `${provider} is not available on ${platform} in onnxruntime-node`;
  if (provider === 'webgpu' && platform === 'linux' && !hasVulkanLoader()) {
    // Without the loader Dawn finds no adapter anyway, after printing a native warning users cannot silence.
    return 'WebGPU needs the Vulkan loader (libvulkan.so.1, e.g. Debian/Ubuntu package libvulkan1) and a GPU driver';
  }
  if (provider === 'cuda' && !isCudaInstalled()) {
    return 'CUDA provider is not installed (opt in with: npm install-scripts approve onnxruntime-node && npm rebuild onnxruntime-node; needs CUDA 12)';
  }
  return null;
}

/** onnxruntime-node installs CUDA's provider library only when its install script was allowed to run. */
export function isCudaInstalled(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const packageDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
    const binDir = path.join(packageDir, 'bin', 'napi-v6', process.platform, process.arch);
    const file =
      process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(path.join(binDir, file));
  } catch {
    return false;
  }
}

/** Whether the Vulkan loader WebGPU (Dawn) needs on Linux is installed where the dynamic linker looks. */
export function hasVulkanLoader(): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
    '/lib/x86_64-linux-gnu',
    '/lib64',
  ];
  return dirs.some((dir) => existsSync(path.join(dir, 'libvulkan.so.1')));
}
