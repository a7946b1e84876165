import type { Device, DeviceKind } from '../devices/device.js';
import { DEVICE_KINDS } from '../devices/device.js';
import type { DeviceSelection } from '../devices/select.js';
import { DeviceError } from '../errors.js';
import { BrowserDevice } from './browser-device.js';
import { BrowserSession } from './session.js';

export interface BrowserDevicesOptions {
  executable?: string;
  threads?: number;
  timeoutSeconds?: number;
  batchTimeoutSeconds?: number;
  maxBatchBytes?: number;
}

/**
 * Opens a browser session and its page devices under the same rule as Node's: `auto` takes the
 * page's CPU pool and the hardware GPU devices; a software adapter (SwiftShader) or a WebGL2 on
 * a software renderer shares the CPU cores, so it runs only when named. The session closes when
 * the last of its devices is closed.
 */
export async function openBrowserDevices(selection: DeviceSelection, options: BrowserDevicesOptions = {}): Promise<{ devices: Device[]; notes: string[]; session: BrowserSession }> {
  const kinds: DeviceKind[] = selection.auto ? [...DEVICE_KINDS] : [...selection.kinds];
  const session = await BrowserSession.open({ kinds, ...options });
  const notes: string[] = [];
  try {
    const { devices: pageDevices, failures } = session.opened;
    for (const failure of failures) {
      if (!selection.auto) throw new DeviceError(`--devices asked for ${failure.kind} in the browser, but the page could not open it: ${failure.reason}`);
      notes.push(`browser ${failure.kind}: ${failure.reason}`);
    }
    const chosen = pageDevices.filter((page) => {
      if (!selection.auto || !page.info.software) return true;
      notes.push(`browser:${page.info.kind} '${page.info.description}' is software and shares the CPU cores: left out by auto (name it, e.g. --devices cpu,webgpu,gpujs, to include it)`);
      return false;
    });
    if (chosen.length === 0) throw new DeviceError(`the browser page opened none of the devices asked for (${kinds.join(', ')})`);
    let open = chosen.length;
    const release = async () => {
      open--;
      if (open === 0) await session.close();
    };
    return { devices: chosen.map((page) => new BrowserDevice(session, page, release)), notes, session };
  } catch (error) {
    await session.close();
    throw error;
  }
}
