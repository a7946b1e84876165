import type { WebGpuBackend } from '../../src/devices/webgpu-probe.js';
import { WebGpuDevice } from '../../src/devices/webgpu.js';

/**
 * WebGPU tests need a real adapter (software Vulkan from Mesa lavapipe is enough:
 * `bash scripts/install-system-deps.sh`). A missing adapter fails the suite; only outside CI can
 * TILERUN_SKIP_WEBGPU=1 skip these tests, and then it says so.
 */
export const skipWebGpu = process.env.TILERUN_SKIP_WEBGPU === '1' && process.env.CI !== 'true';
if (skipWebGpu) console.warn('TILERUN_SKIP_WEBGPU=1: WebGPU tests are SKIPPED (never allowed under CI=true)');

export async function openWebGpu(backend?: WebGpuBackend): Promise<WebGpuDevice> {
  return WebGpuDevice.open(backend ? { backend } : {});
}
