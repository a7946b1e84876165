/**
 * The bench as one self-contained HTML page: inline CSS and SVG, no script, no network (it opens
 * from a mail attachment or an air-gapped machine as it does from disk). Charts: throughput by
 * device and tile edge against the memory bandwidth and the peers, per kernel and size; a timeline
 * of one run; then every figure in tables.
 */
import type { BenchResult, EngineRun } from '../bench/result.js';
import { barChart, type BarGroup, type ReferenceLine } from './bar-chart.js';
import { colourOf, escapeHtml, figure } from './svg.js';
import { timelineChart } from './timeline-chart.js';

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d1d1f; margin: 24px auto; max-width: 900px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.muted { color: #666; fill: #666; } .small { font-size: 11px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 10px 14px; min-width: 150px; }
.card b { display: block; font-size: 22px; } .card span { color: #666; font-size: 12px; }
figure { margin: 16px 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { font-size: 12px; max-width: 100%; height: auto; } svg.chart .group { font-weight: 600; }
svg .axis { stroke: #999; } svg .grid { stroke: #e5e5e5; } svg .band { fill: #f6f6f6; }
table { border-collapse: collapse; font-size: 12.5px; margin: 8px 0; width: 100%; }
th, td { padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f4f4f4; } ul { padding-left: 20px; } code { background: #f4f4f4; padding: 0 3px; border-radius: 3px; }
.legend span { display: inline-block; margin-right: 14px; } .legend i { display: inline-block; width: 11px; height: 11px; margin-right: 4px; vertical-align: -1px; }
`;

/** A share in percent; small ones keep two significant figures (0.12%), so a slow run does not read 0%. */
export const pct = (value: number): string => (value >= 0.1 || value === 0 ? `${Math.round(value * 100)}%` : `${Number((value * 100).toPrecision(2))}%`);

function table(head: string[], rows: string[][], numeric: readonly boolean[]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell, i) => `<td${numeric[i] ? ' class="n"' : ''}>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

function deviceLabel(run: EngineRun): string {
  return run.label === 'all' ? `all (${run.devices.join(' + ')})` : run.label;
}

export function benchReportHtml(result: BenchResult): string {
  const spares = new Map<string, string>();
  const colour = (name: string): string => colourOf(name, spares);
  const { bandwidth, settings, machine } = result;
  const lines: ReferenceLine[] = [{ label: bandwidth.reference.label, value: bandwidth.reference.gigabytesPerSecond, colour: '#c0392b' }];
  if (bandwidth.c) lines.push({ label: 'memory read, JS, 1 thread', value: bandwidth.js.read, colour: '#1a7f5a' });

  const charts: string[] = [];
  for (const kernel of settings.kernels) {
    for (const size of settings.sizes) {
      const groups: BarGroup[] = settings.tiles.map((tile) => {
        const runs = result.runs.filter((r) => r.kernel === kernel && r.size === size && r.tile === tile);
        const peers = result.peers.filter((p) => p.kernel === kernel && p.size === size && p.tile === tile);
        return {
          label: `tile ${tile}`,
          bars: [
            ...runs.map((r) => ({
              label: deviceLabel(r),
              value: r.gigabytesPerSecond,
              colour: colour(r.label),
              tooltip: `${deviceLabel(r)}: ${figure(r.gigabytesPerSecond)} GB/s, ${figure(r.tilesPerSecond)} tiles/s, median of ${r.times.length}`,
            })),
            ...peers.map((p) => ({
              label: `${p.peer} (peer)`,
              value: p.gigabytesPerSecond,
              colour: colour(p.peer),
              tooltip: p.error ? `${p.peer} failed: ${p.error}` : `${p.peer}: ${figure(p.gigabytesPerSecond ?? 0)} GB/s, checksum ${p.check}`,
            })),
          ],
        };
      });
      charts.push(barChart(`${kernel}, ${settings.dtype} ${size}x${size}: GB/s of input by device and tile edge`, 'GB/s of input', groups, lines));
    }
  }

  const best = settings.kernels.map((kernel) => {
    const runs = result.runs.filter((r) => r.kernel === kernel);
    const top = runs.reduce((a, b) => (b.gigabytesPerSecond > a.gigabytesPerSecond ? b : a));
    return `<div class="card"><span>${escapeHtml(kernel)}, best</span><b>${figure(top.gigabytesPerSecond)} GB/s</b><span>${escapeHtml(`${deviceLabel(top)}, ${top.size}², tile ${top.tile}; ${pct(top.gigabytesPerSecond / bandwidth.reference.gigabytesPerSecond)} of memory read`)}</span></div>`;
  });
  const cards = [
    ...best,
    `<div class="card"><span>${escapeHtml(bandwidth.reference.label)}</span><b>${figure(bandwidth.reference.gigabytesPerSecond)} GB/s</b><span>${bandwidth.c ? `copy ${figure(bandwidth.c.copy)} GB/s (C)` : `copy ${figure(bandwidth.js.copy)} GB/s (JS)`}</span></div>`,
  ];

  const legendNames = [...new Set([...result.runs.map((r) => r.label), ...result.peers.map((p) => p.peer)])];
  const legend = `<p class="legend">${legendNames.map((name) => `<span><i style="background:${colour(name)}"></i>${escapeHtml(name)}</span>`).join('')}${lines.map((l) => `<span><i style="background:${l.colour}"></i>${escapeHtml(l.label)} (dashed)</span>`).join('')}</p>`;

  const runRows = result.runs.map((r) => [
    r.kernel,
    String(r.size),
    String(r.tile),
    deviceLabel(r),
    figure(r.gigabytesPerSecond),
    figure(r.tilesPerSecond),
    pct(r.gigabytesPerSecond / bandwidth.reference.gigabytesPerSecond),
    (r.seconds * 1000).toFixed(2),
    r.perDevice.map((d) => `${d.id}: ${pct(d.share)} of tiles, ${pct(d.utilisation)} busy`).join('; '),
  ]);
  const peerRows = result.peers.map((p) => {
    const ours = Math.max(...result.runs.filter((r) => r.kernel === p.kernel && r.size === p.size && r.tile === p.tile).map((r) => r.gigabytesPerSecond));
    return [p.kernel, String(p.size), String(p.tile), p.peer, p.gigabytesPerSecond === null ? 'failed' : figure(p.gigabytesPerSecond), p.gigabytesPerSecond ? `${figure(ours / p.gigabytesPerSecond)}x` : '-', p.error ?? p.check];
  });
  const usedPeers = [...new Set(result.peers.map((p) => p.peer))];
  const timelineColour = (device: string): string => colour(device);

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>tilerun bench: ${escapeHtml(settings.kernels.join(', '))}</title><style>${STYLE}</style></head>
<body>
<h1>tilerun bench</h1>
<p class="muted">${escapeHtml(`${result.date} · tilerun ${result.version} · ${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.memoryGiB} GiB · ${machine.platform} · Node ${machine.node}`)}</p>
<p>${escapeHtml(`${settings.kernels.join(', ')} on generated ${settings.dtype} inputs of ${settings.sizes.map((s) => `${s}x${s}`).join(', ')}, tiles of ${settings.tiles.join(', ')}; each device alone, then all together; each figure the median of ${settings.repeats} runs after a warm-up (runKernel end to end, the devices already open). GB/s counts input bytes. Other work on the machine during the run lowers the figures: compare figures of one report, not across machines.`)}</p>
<div class="cards">${cards.join('')}</div>
<h2>Throughput by device and tile edge</h2>
${legend}
${charts.join('\n')}
<h2>A run's timeline</h2>
${result.timeline ? timelineChart(result.timeline, timelineColour) : '<p class="muted">No timeline was recorded.</p>'}
<h2>Memory bandwidth</h2>
${table(
  ['measure', 'threads', 'copy GB/s', 'read GB/s'],
  [['JS (Float64Array set / sum)', '1', figure(bandwidth.js.copy), figure(bandwidth.js.read)], ...(bandwidth.c ? [['C (bench/peers/stream.c, OpenMP)', String(bandwidth.c.threads), figure(bandwidth.c.copy), figure(bandwidth.c.read)]] : [])],
  [false, true, true, true],
)}
<p class="muted">${escapeHtml(`Arrays of ${bandwidth.mebibytes} MiB each; the fastest of 5, as STREAM reports; copy counts bytes read plus bytes written. Runs are placed against ${bandwidth.reference.label}.`)}</p>
<h2>Every run</h2>
${table(['kernel', 'size', 'tile', 'devices', 'GB/s', 'tiles/s', 'of read', 'ms', 'per device'], runRows, [false, true, true, false, true, true, true, true, false])}
<h2>Peers</h2>
${peerRows.length > 0 ? table(['kernel', 'size', 'tile', 'peer', 'GB/s', 'tilerun best / peer', 'checksum'], peerRows, [false, true, true, false, true, true, false]) : '<p class="muted">No peer ran.</p>'}
<ul>${usedPeers.map((name) => `<li><b>${escapeHtml(name)}</b>: ${escapeHtml(result.peerDescriptions[name] ?? '')}</li>`).join('')}</ul>
<h2>Devices and notes</h2>
<ul>${result.devices.map((d) => `<li><code>${escapeHtml(d.id)}</code>: ${escapeHtml(d.description)}${d.software ? ' (software, shares the CPU cores)' : ''}</li>`).join('')}</ul>
<ul>${result.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>
</body></html>
`;
}
