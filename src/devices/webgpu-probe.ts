import { create, globals } from 'webgpu';
import { DeviceError } from '../errors.js';

/** Dawn backends tried in order: Vulkan (full WebGPU), then GL ES in compatibility mode. */
export type WebGpuBackend = 'vulkan' | 'opengles';
export const WEBGPU_BACKENDS: readonly WebGpuBackend[] = ['vulkan', 'opengles'];

/**
 * Every object `create()` returns stays referenced for the life of the process: if V8 collects
 * it while a device made from it lives, Dawn segfaults (PLATFORM.md). Module scope is forever.
 */
const liveInstances: GPU[] = [];
let globalsInstalled = false;

export interface ProbedAdapter {
  readonly backend: WebGpuBackend;
  readonly adapter: GPUAdapter;
  readonly software: boolean;
  readonly description: string;
}

export interface ProbeResult {
  readonly adapters: ProbedAdapter[];
  /** Why each backend that gave no adapter failed. */
  readonly failures: { backend: WebGpuBackend; reason: string }[];
}

function installGlobals(): void {
  if (globalsInstalled) return;
  // GPUBufferUsage, GPUMapMode, ... are globals in a browser; Dawn's node binding exports them.
  Object.assign(globalThis, globals);
  // Dawn's GL ES backend needs EGL without a display server.
  process.env.EGL_PLATFORM ??= 'surfaceless';
  globalsInstalled = true;
}

/** Backends to try, from TILERUN_WEBGPU_BACKENDS (comma-separated) or the default order. */
export function backendsToTry(): WebGpuBackend[] {
  const requested = process.env.TILERUN_WEBGPU_BACKENDS;
  if (!requested) return [...WEBGPU_BACKENDS];
  const names = requested.split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (!(WEBGPU_BACKENDS as readonly string[]).includes(name)) {
      throw new DeviceError(
        `TILERUN_WEBGPU_BACKENDS names unknown backend '${name}': accepted are ${WEBGPU_BACKENDS.join(', ')}`,
      );
    }
  }
  return names as WebGpuBackend[];
}

/** Llvmpipe through GL ES reports isFallbackAdapter false, so the name is checked too. */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|software rasterizer|microsoft basic render/i;

export function describeAdapter(adapter: GPUAdapter, backend: WebGpuBackend): { description: string; software: boolean } {
  const info = adapter.info;
  const text = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ');
  const software = info.isFallbackAdapter === true || SOFTWARE_NAMES.test(text) || info.architecture === 'software';
  const name = info.description || info.device || info.vendor || 'unknown adapter';
  return { description: `${name} via ${backend === 'vulkan' ? 'Vulkan' : 'GL ES (compatibility)'}`, software };
}

/** Asks each backend for an adapter. Each call gets fresh adapters (an adapter gives one device). */
export async function probeWebGpu(backends: readonly WebGpuBackend[] = backendsToTry()): Promise<ProbeResult> {
  installGlobals();
  const adapters: ProbedAdapter[] = [];
  const failures: { backend: WebGpuBackend; reason: string }[] = [];
  for (const backend of backends) {
    try {
      const gpu = create([`backend=${backend}`]);
      liveInstances.push(gpu);
      const adapter = await gpu.requestAdapter(
        backend === 'opengles' ? { featureLevel: 'compatibility' } : { powerPreference: 'high-performance' },
      );
      if (!adapter) {
        failures.push({ backend, reason: 'no adapter (driver missing or rejected by Dawn)' });
        continue;
      }
      adapters.push({ backend, adapter, ...describeAdapter(adapter, backend) });
    } catch (error) {
      failures.push({ backend, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return { adapters, failures };
}

/** The first hardware adapter, else the first of any kind (backends are probed in preference order). */
export function preferredAdapter(adapters: readonly ProbedAdapter[]): ProbedAdapter | undefined {
  return adapters.find((adapter) => !adapter.software) ?? adapters[0];
}

/** How to get an adapter on a machine without a GPU, for error messages. */
export const WEBGPU_INSTALL_HINT =
  'install a Vulkan driver (on Debian 12: `sudo bash scripts/install-system-deps.sh`, which adds Mesa lavapipe from bookworm-backports) or a GPU driver';
