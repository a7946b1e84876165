import { availableParallelism } from 'node:os';
import type { DeviceInfo } from '../devices/device.js';
import { GpuJsDevice } from '../devices/gpujs.js';
import { probeWebGpu } from '../devices/webgpu-probe.js';
import { WebGpuDevice } from '../devices/webgpu.js';
import { toJson } from '../io/json.js';
import { padTable } from './format.js';

export interface DevicesReport {
  webgpu: (DeviceInfo & { usedByAuto: boolean })[];
  webgpuFailures: { backend: string; reason: string }[];
  cpu: { threads: number };
  gpujs: (DeviceInfo & { usedByAuto: boolean }) | { error: string };
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
  let gpujs: DevicesReport['gpujs'];
  try {
    const device = await GpuJsDevice.open();
    gpujs = { ...device.info, usedByAuto: !device.info.software };
    await device.close();
  } catch (error) {
    gpujs = { error: error instanceof Error ? error.message : String(error) };
  }
  return { webgpu, webgpuFailures: probe.failures, cpu: { threads: threads ?? availableParallelism() }, gpujs };
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
  lines.push('', 'gpu.js');
  if ('error' in report.gpujs) lines.push(`  unavailable: ${report.gpujs.error}`);
  else {
    lines.push(`  gpujs: ${report.gpujs.description}`);
    lines.push(
      `    kernel class ${report.gpujs.backend}; ${report.gpujs.software ? 'runs on the CPU cores: auto leaves it out (use --devices gpujs to include it)' : 'used by --devices auto'}`,
    );
  }
  lines.push('', 'CPU', `  cpu: worker pool, ${report.cpu.threads} thread${report.cpu.threads === 1 ? '' : 's'}`);
  return lines.join('\n');
}

export function devicesJson(report: DevicesReport): string {
  return toJson(report);
}
