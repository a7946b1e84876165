import { DeviceError, UsageError } from '../errors.js';
import { CpuPoolDevice } from './cpu-pool.js';
import { GpuJsDevice } from './gpujs.js';
import { DEVICE_KINDS, type Device, type DeviceKind } from './device.js';
import { preferredAdapter, probeWebGpu, WEBGPU_INSTALL_HINT } from './webgpu-probe.js';
import { WebGpuDevice } from './webgpu.js';

export interface DeviceSelection {
  /** 'auto' or a list of device kinds. */
  readonly auto: boolean;
  readonly kinds: readonly DeviceKind[];
  /** Where the devices run (default: this Node process). */
  readonly runtime?: RuntimeChoice;
  /**
   * Devices of a headless Chromium page run beside Node's (`--devices browser:webgpu,cpu`): one
   * scheduler spreads tiles over both, and Node's devices take over if the browser fails.
   */
  readonly browserKinds?: readonly DeviceKind[];
  /** The Chromium binary for browserKinds (default: found as for --runtime browser). */
  readonly browserExecutable?: string;
}

/** Node's own devices, or those of a headless Chromium page (src/browser). */
export type RuntimeChoice = { readonly kind: 'node' } | { readonly kind: 'browser'; readonly executable?: string };

export const DEVICE_CHOICES = `auto, ${DEVICE_KINDS.join(', ')}, or a comma-separated list such as cpu,webgpu,gpujs (browser:${DEVICE_KINDS.join(', browser:')} add a headless Chromium's devices beside Node's)`;

const BROWSER_PREFIX = 'browser:';

export function parseDeviceSelection(text: string): DeviceSelection {
  const names = text.split(',').map((name) => name.trim().toLowerCase());
  if (names.length === 1 && names[0] === 'auto') return { auto: true, kinds: [] };
  const kinds: DeviceKind[] = [];
  const browserKinds: DeviceKind[] = [];
  for (const name of names) {
    const inBrowser = name.startsWith(BROWSER_PREFIX);
    const kind = inBrowser ? name.slice(BROWSER_PREFIX.length) : name;
    if (!(DEVICE_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(`unknown device '${name}' in --devices ${text}: accepted are ${DEVICE_CHOICES}`);
    }
    const list = inBrowser ? browserKinds : kinds;
    if (!list.includes(kind as DeviceKind)) list.push(kind as DeviceKind);
  }
  return browserKinds.length > 0 ? { auto: false, kinds, browserKinds } : { auto: false, kinds };
}

/** gpu.js reaches a GPU in Node only through the optional `gl` (headless-gl) package. */
function hasHeadlessGl(): boolean {
  try {
    import.meta.resolve('gl');
    return true;
  } catch {
    return false;
  }
}

export interface OpenedDevices {
  devices: Device[];
  /** Why a device was left out (auto only), for the run's notes. */
  notes: string[];
}

export interface OpenDeviceOptions {
  threads?: number;
}

/**
 * Opens the devices a run uses. 'auto' takes the CPU pool, the first hardware WebGPU adapter and
 * gpu.js where headless-gl gives it a GL context; a
 * software adapter (lavapipe, SwiftShader, llvmpipe GL) runs on the same cores as the pool, so
 * counting it as more hardware would only add overhead: it runs only when asked for by name.
 */
export async function openDevices(selection: DeviceSelection, options: OpenDeviceOptions = {}): Promise<OpenedDevices> {
  if (selection.runtime?.kind === 'browser') {
    // Loaded only here: a Node run never pays for puppeteer and esbuild.
    const { openBrowserDevices } = await import('../browser/open.js');
    const executable = selection.runtime.executable;
    const opened = await openBrowserDevices(selection, { ...(executable === undefined ? {} : { executable }), ...(options.threads === undefined ? {} : { threads: options.threads }) });
    return { devices: opened.devices, notes: opened.notes };
  }
  const devices: Device[] = [];
  const notes: string[] = [];
  try {
    if (selection.browserKinds !== undefined && selection.browserKinds.length > 0) {
      const { openBrowserDevices } = await import('../browser/open.js');
      const executable = selection.browserExecutable;
      const opened = await openBrowserDevices(
        { auto: false, kinds: selection.browserKinds },
        { ...(executable === undefined ? {} : { executable }), ...(options.threads === undefined ? {} : { threads: options.threads }) },
      );
      devices.push(...opened.devices);
      notes.push(...opened.notes);
    }
    if (selection.auto || selection.kinds.includes('webgpu')) {
      const probe = await probeWebGpu();
      const adapter = preferredAdapter(probe.adapters);
      if (!adapter) {
        const reasons = probe.failures.map((failure) => `${failure.backend}: ${failure.reason}`).join('; ');
        if (!selection.auto) {
          throw new DeviceError(`--devices asked for webgpu but no WebGPU adapter was found (${reasons}); ${WEBGPU_INSTALL_HINT}`);
        }
        notes.push(`no WebGPU adapter (${reasons})`);
      } else if (selection.auto && adapter.software) {
        notes.push(
          `WebGPU adapter '${adapter.description}' is software and shares the CPU cores: left out by auto (use --devices cpu,webgpu to include it)`,
        );
      } else {
        devices.push(await WebGpuDevice.fromAdapter(adapter, `webgpu:${adapter.backend}`));
      }
    }
    if (selection.kinds.includes('gpujs')) {
      devices.push(await GpuJsDevice.open());
    } else if (selection.auto && hasHeadlessGl()) {
      const gpujs = await GpuJsDevice.open();
      if (gpujs.info.software) {
        notes.push(`gpu.js runs as ${gpujs.info.backend} on the CPU cores: left out by auto (use --devices gpujs to include it)`);
        await gpujs.close();
      } else devices.push(gpujs);
    }
    if (selection.auto || selection.kinds.includes('cpu')) {
      devices.push(new CpuPoolDevice({ ...(options.threads === undefined ? {} : { threads: options.threads }) }));
    }
  } catch (error) {
    await Promise.allSettled(devices.map((device) => device.close()));
    throw error;
  }
  return { devices, notes };
}
