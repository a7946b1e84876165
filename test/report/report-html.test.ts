import { describe, expect, it } from 'vitest';
import type { BenchResult, EngineRun } from '../../src/bench/result.js';
import { barChart } from '../../src/report/bar-chart.js';
import { benchReportHtml } from '../../src/report/html.js';
import { ticks } from '../../src/report/svg.js';

function run(label: string, tile: number, gigabytesPerSecond: number): EngineRun {
  return {
    kernel: 'tile-stats',
    dtype: 'u8',
    size: 1024,
    tile,
    devices: label === 'all' ? ['webgpu:vulkan', 'cpu'] : [label],
    label,
    tiles: (1024 / tile) ** 2,
    bytes: 1024 * 1024,
    seconds: (1024 * 1024) / gigabytesPerSecond / 1e9,
    times: [0.001],
    gigabytesPerSecond,
    tilesPerSecond: 1000,
    perDevice: [{ id: 'cpu', tiles: 4, share: 1, utilisation: 0.9, busySeconds: 0.001, gigabytesPerSecond }],
  };
}

/** A result as runBench returns it, with figures chosen so each one can be found in the page. */
function result(): BenchResult {
  return {
    tool: 'tilerun bench',
    version: '0.1.0',
    date: '2026-11-27T00:00:00.000Z',
    machine: { cpuModel: 'Test <CPU> & Co', cpus: 2, memoryGiB: 8, platform: 'linux x64', node: 'v20' },
    settings: { kernels: ['tile-stats'], dtype: 'u8', sizes: [1024], tiles: [256, 512], devices: 'cpu,webgpu', repeats: 3, threads: 2 },
    devices: [{ id: 'cpu', description: 'CPU worker pool', software: false }],
    bandwidth: { js: { copy: 21.5, read: 13.25, threads: 1 }, c: { copy: 31.5, read: 17.75, threads: 2 }, mebibytes: 64, reference: { gigabytesPerSecond: 17.75, label: 'memory read, C, 2 threads' } },
    runs: [run('cpu', 256, 1.234), run('webgpu:vulkan', 256, 0.456), run('all', 256, 1.567), run('cpu', 512, 1.111)],
    peers: [
      { peer: 'numpy', kernel: 'tile-stats', dtype: 'u8', size: 1024, tile: 256, seconds: 0.1, gigabytesPerSecond: 0.0789, check: 'same' },
      { peer: 'OpenCV', kernel: 'tile-stats', dtype: 'u8', size: 1024, tile: 512, seconds: null, gigabytesPerSecond: null, check: '-', error: 'Traceback <boom>' },
    ],
    peerDescriptions: { numpy: 'bench/peers/numpy_peer.py', OpenCV: 'bench/peers/opencv_peer.py' },
    timeline: {
      label: 'tile-stats u8 1024x1024, tile 256, all devices: the median repeat',
      seconds: 0.01,
      lanes: [{ device: 'webgpu:vulkan', lane: 0 }, { device: 'cpu', lane: 0 }, { device: 'cpu', lane: 1 }],
      batches: [
        { device: 'webgpu:vulkan', lane: 0, start: 0, seconds: 0.004, firstTile: 0, tiles: 4, failed: false },
        { device: 'cpu', lane: 1, start: 0.001, seconds: 0.008, firstTile: 4, tiles: 12, failed: true },
      ],
    },
    notes: ['dask: python3 cannot import dask.array (apt-get install python3-dask): skipped'],
  };
}

describe('the bench report page', () => {
  const html = benchReportHtml(result());

  it('is self-contained: no URL, script, stylesheet link or image', () => {
    expect(html).not.toMatch(/https?:|<script|<link|<img|url\(|@import/i);
    expect(html).toMatch(/^<!DOCTYPE html>/);
  });

  it('carries every figure: runs, bandwidth lines, peers, a failed peer, the timeline batches, the notes', () => {
    for (const figure of ['>1.23<', '>0.46<', '>1.57<', '>1.11<', '>0.079<', '17.8', '13.3', '31.5']) expect(html).toContain(figure);
    expect(html).toContain('did not run');
    expect(html).toContain('Traceback &lt;boom&gt;');
    expect(html).toContain('tiles 0..3');
    expect(html).toContain('tiles 4..15');
    expect(html).toContain('(failed)');
    expect(html).toContain('apt-get install python3-dask');
    // tilerun's best at tile 256 against numpy: 1.567 / 0.0789.
    expect(html).toContain('>19.9x<');
  });

  it('escapes text from the machine and the peers', () => {
    expect(html).toContain('Test &lt;CPU&gt; &amp; Co');
    expect(html).not.toContain('<CPU>');
  });

  it('draws one throughput chart per kernel and size, then the timeline with a lane per device lane', () => {
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('webgpu:vulkan lane 0');
    expect(html).toContain('cpu lane 1');
  });
});

describe('bar charts', () => {
  const bars = (values: number[]) => [{ label: 'g', bars: values.map((value, i) => ({ label: `b${i}`, value, colour: '#000', tooltip: '' })) }];

  it('use a linear axis from 0 when values are within 30x, a log axis beyond', () => {
    expect(barChart('t', 'GB/s', bars([1, 2]), [])).not.toContain('log scale');
    expect(barChart('t', 'GB/s', bars([0.01, 2]), [])).toContain('GB/s (log scale)');
  });

  it('ticks: round linear steps, powers of ten on a log axis', () => {
    expect(ticks(0, 10, false)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(ticks(0.01, 20, true)).toEqual([0.01, 0.1, 1, 10]);
  });
});
