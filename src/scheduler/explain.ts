import type { PassRecord } from '../run.js';
import type { PerfModel } from './perf-model.js';

const gbps = (bytesPerSecond: number): string => `${(bytesPerSecond / 1e9).toFixed(bytesPerSecond >= 1e9 ? 2 : 3)} GB/s`;
const ms = (seconds: number): string => (seconds < 1 ? `${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms` : `${seconds.toFixed(2)} s`);

function describeLine(slope: number, intercept: number): string {
  return `${slope > 0 ? gbps(1 / slope) : 'no per-byte cost'} + ${ms(intercept)} a batch`;
}

function describeModel(model: PerfModel, lanes: number, shared: boolean): string {
  const rate = model.laneBytesPerSecond;
  if (rate === null) return 'no model (it ran no batch)';
  const { compute, transfer } = model.parts;
  const device = shared ? `${gbps(rate)} as one queue of ${lanes} in flight` : `${gbps(rate)} per lane, ${gbps(rate * lanes)} on ${lanes} lanes`;
  return `${device}; moving data (upload, readback, worker messages) ${describeLine(transfer.slope, transfer.intercept)}, computing ${describeLine(compute.slope, compute.intercept)}`;
}

/**
 * `--explain`: per pass and device, what it did (tiles, bytes, busy time, utilisation) and why
 * the scheduler split the work that way: the models it went by, where they came from, when
 * devices stopped taking work and what failed.
 */
export function explainSchedule(schedule: readonly PassRecord[]): string {
  const lines: string[] = [];
  for (const pass of schedule) {
    lines.push(`pass ${pass.pass}: ${pass.kernel}, ${pass.tiles} tiles of ${pass.tileHeight}x${pass.tileWidth}, policy ${pass.policy}, ${ms(pass.seconds)}`);
    const rows = pass.devices.map((d) => [
      d.id,
      String(d.tiles),
      `${pass.tiles > 0 ? ((100 * d.tiles) / pass.tiles).toFixed(1) : '0'}%`,
      `${(d.bytes / 2 ** 20).toFixed(1)} MiB`,
      ms(d.busySeconds),
      `${pass.seconds > 0 ? ((100 * d.busySeconds) / pass.seconds).toFixed(0) : '0'}%`,
      gbps(d.bytesPerSecond),
      String(d.batches),
    ]);
    const header = ['device', 'tiles', 'share', 'bytes', 'busy', 'util', 'speed', 'batches'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    for (const row of [header, ...rows]) lines.push(`  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}`);
    lines.push('  why:');
    for (const d of pass.devices) {
      const source = pass.models.find((m) => m.device === d.id);
      const origin = source?.fromCache ? 'model loaded from the cache and refined' : 'uncalibrated at the start: first batches were small probes';
      lines.push(`  - ${d.id}: ${origin}; ${describeModel(d.model, d.lanes, d.sharedQueue)}`);
      if (d.waits > 0) lines.push(`    waited ${d.waits} time${d.waits === 1 ? '' : 's'} rather than take work another device would finish sooner (last: ${d.lastWaitReason})`);
      if (d.retired) lines.push(`    stopped taking work: ${d.retired}`);
    }
    const calibrated = pass.batches.filter((b) => b.predictedSeconds !== null && !b.error);
    if (calibrated.length > 0) {
      const errors = calibrated.map((b) => Math.abs(b.seconds - b.predictedSeconds!) / Math.max(1e-9, b.predictedSeconds!)).sort((a, b) => a - b);
      lines.push(`  - each device took batches in proportion to its model's rate, sized so all finish together; predictions were within ${(errors[Math.floor(errors.length / 2)]! * 100).toFixed(0)}% for half of the ${calibrated.length} calibrated batches`);
    }
    const ends = pass.devices
      .filter((d) => d.tiles > 0)
      .map((d) => ({ id: d.id, end: Math.max(...pass.batches.filter((b) => b.device === d.id && !b.error).map((b) => b.start + b.seconds)) }));
    if (ends.length > 1) lines.push(`  - devices finished at ${ends.map((e) => `${e.id} ${ms(e.end)}`).join(', ')}`);
    for (const fault of pass.faults) {
      lines.push(`  - fault at ${ms(fault.at)} on ${fault.device}, tiles ${fault.firstTile}..${fault.firstTile + fault.tileCount - 1} (attempt ${fault.attempt}): ${fault.message}; ${fault.action}`);
    }
  }
  return lines.join('\n');
}
