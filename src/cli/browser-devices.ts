import type { DeviceInfo } from '../devices/device.js';
import { BrowserSession } from '../browser/session.js';
import { toJson } from '../io/json.js';
import { padTable } from './format.js';

export interface BrowserDevicesReport {
  browser: string;
  version: string;
  userAgent: string;
  webgl2Renderer: string | null;
  crossOriginIsolated: boolean;
  devices: (DeviceInfo & { usedByAuto: boolean })[];
  failures: { kind: string; reason: string }[];
  launchSeconds: number;
}

/** Starts the browser, opens every page device (to read its adapter, limits and renderer), closes. */
export async function listBrowserDevices(executable?: string, threads?: number): Promise<BrowserDevicesReport> {
  const session = await BrowserSession.open({
    kinds: ['webgpu', 'gpujs', 'cpu'],
    ...(executable === undefined ? {} : { executable }),
    ...(threads === undefined ? {} : { threads }),
  });
  try {
    const opened = session.opened;
    return {
      browser: session.executable,
      version: session.browserVersion,
      userAgent: opened.userAgent,
      webgl2Renderer: opened.webgl2Renderer,
      crossOriginIsolated: opened.crossOriginIsolated,
      devices: opened.devices.map((device) => ({ ...device.info, id: `browser:${device.info.kind}`, usedByAuto: !device.info.software })),
      failures: opened.failures,
      launchSeconds: session.launchSeconds,
    };
  } finally {
    await session.close();
  }
}

export function formatBrowserDevices(report: BrowserDevicesReport): string {
  const lines = [`Browser ${report.browser} (${report.version}), started in ${report.launchSeconds.toFixed(1)} s`];
  lines.push(`  WebGL2 renderer: ${report.webgl2Renderer ?? 'none (no WebGL2)'}`);
  for (const info of report.devices) {
    lines.push('', `${info.id}: ${info.description}`);
    lines.push(`  ${info.software ? 'software: shares the CPU cores; auto leaves it out (name it with --devices)' : 'used by --devices auto'}`);
    if (info.kind === 'webgpu') lines.push(`  vendor ${info.vendor || '-'}, architecture ${info.architecture || '-'}`);
    if (info.limits) {
      lines.push('  granted limits:');
      lines.push(padTable(Object.entries(info.limits).map(([name, value]) => ['   ', name, String(value)])));
    }
  }
  for (const failure of report.failures) lines.push('', `browser:${failure.kind}: unavailable (${failure.reason})`);
  return lines.join('\n');
}

export function browserDevicesJson(report: BrowserDevicesReport): string {
  return toJson(report);
}
