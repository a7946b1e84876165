import { figure } from '../report/svg.js';
import type { BenchResult } from './result.js';

/** Columns padded to their widest cell; numbers right-aligned. */
function layout(rows: string[][], numeric: readonly boolean[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** Three significant figures: a slow peer reads 0.0036 GB/s, not 0.00. */
const fixed = (value: number | null): string => (value === null || !Number.isFinite(value) ? '-' : figure(value));
const percent = (value: number): string => (value >= 0.1 || value === 0 ? `${Math.round(value * 100)}%` : `${Number((value * 100).toPrecision(2))}%`);

/** The bench as text: bandwidth, one row per configuration, then the peers against tilerun's best. */
export function formatBench(result: BenchResult): string {
  const { bandwidth, settings } = result;
  const lines: string[] = [];
  lines.push(
    `tilerun bench: ${settings.kernels.join(', ')} on ${settings.dtype}, median of ${settings.repeats} after a warm-up; ${result.machine.cpuModel}, ${result.machine.cpus} CPUs`,
  );
  lines.push(
    `memory bandwidth (${bandwidth.mebibytes} MiB arrays): JS 1 thread copy ${fixed(bandwidth.js.copy)} GB/s, read ${fixed(bandwidth.js.read)} GB/s` +
      (bandwidth.c ? `; C ${bandwidth.c.threads} threads copy ${fixed(bandwidth.c.copy)} GB/s, read ${fixed(bandwidth.c.read)} GB/s` : ''),
  );
  lines.push('');
  const rows = [['kernel', 'size', 'tile', 'devices', 'GB/s', 'tiles/s', 'of read', 'per device: tiles share, utilisation']];
  for (const run of result.runs) {
    rows.push([
      run.kernel,
      String(run.size),
      String(run.tile),
      run.label,
      fixed(run.gigabytesPerSecond),
      fixed(run.tilesPerSecond),
      percent(run.gigabytesPerSecond / bandwidth.reference.gigabytesPerSecond),
      run.perDevice.map((d) => `${d.id} ${percent(d.share)} tiles, ${percent(d.utilisation)} busy`).join('; '),
    ]);
  }
  lines.push(layout(rows, [false, true, true, false, true, true, true, false]));
  lines.push(`("of read": GB/s of input over ${bandwidth.reference.label}, ${fixed(bandwidth.reference.gigabytesPerSecond)} GB/s)`);
  if (result.peers.length > 0) {
    lines.push('', 'peers, the same job on the same input and tiles:');
    const peerRows = [['kernel', 'size', 'tile', 'peer', 'GB/s', 'tilerun best / peer', 'check']];
    for (const peer of result.peers) {
      const best = Math.max(...result.runs.filter((r) => r.kernel === peer.kernel && r.size === peer.size && r.tile === peer.tile).map((r) => r.gigabytesPerSecond));
      peerRows.push([
        peer.kernel,
        String(peer.size),
        String(peer.tile),
        peer.peer,
        peer.error ? 'failed' : fixed(peer.gigabytesPerSecond),
        peer.gigabytesPerSecond ? `${fixed(best / peer.gigabytesPerSecond)}x` : '-',
        peer.error ?? peer.check,
      ]);
    }
    lines.push(layout(peerRows, [false, true, true, false, true, true, false]));
  }
  if (result.notes.length > 0) lines.push('', 'notes:', ...result.notes.map((note) => `  ${note}`));
  return lines.join('\n');
}
