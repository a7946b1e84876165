import { availableParallelism } from 'node:os';
import type { DeviceInfo } from '../devices/device.js';
import { probeWebGpu } from '../devices/webgpu-probe.js';
import { WebGpuDevice } from '../devices/webgpu.js';
import { toJson } from '../io/json.js';
import { padTable } from './format.js';

export interface DevicesReport {
  webgpu: (DeviceInfo & { usedByAuto: boolean })[];
  webgpuFailures: { backend: string; reason: string }[];
  cpu: { threads: number };
}

/** Opens every WebGPU adapter (to read the limits it grants) and describes the CPU pool. */
export async function listDevices(threads?: number): Promise<DevicesReport> {
  const probe = await probeWebGpu();
  const webgpu: DevicesReport['webgpu'] = [];
  const chosenByAuto = probe.adapters.find((adapter) => !adapter.software);
  for (const probed of probe.adapters) {
    const device = await WebGpuDevice.fromAdapter(probed, `webgpu:${probed.backend}`);
    webgpu.push({ ...device.info, usedByAuto: probed === chosenByAuto });
    await device.close();
  }
  return { webgpu, webgpuFailures: probe.failures, cpu: { threads: threads ?? availableParallelism() } };
}

export function formatDevices(report: DevicesReport): string {
  const lines: string[] = [];
  lines.push('WebGPU adapters');
  if (report.webgpu.length === 0) lines.push('  none');
  for (const info of report.webgpu) {
    lines.push(`  ${info.id}: ${info.description}`);
    lines.push(`    ${info.software ? 'software (fallback) adapter: shares the CPU cores; auto leaves it out' : 'hardware adapter'}${info.usedByAuto ? ', used by --devices auto' : ''}`);
    lines.push(`    vendor ${info.vendor || '-'}, architecture ${info.architecture || '-'}`);
    const limits = Object.entries(info.limits ?? {}).map(([name, value]) => ['     ', name, String(value)]);
    lines.push('    granted limits:');
    lines.push(padTable(limits));
  }
  for (const failure of report.webgpuFailures) lines.push(`  ${failure.backend}: ${failure.reason}`);
  lines.push('', 'CPU', `  cpu: worker pool, ${report.cpu.threads} thread${report.cpu.threads === 1 ? '' : 's'}`);
  return lines.join('\n');
}

export function devicesJson(report: DevicesReport): string {
  return toJson(report);
}
