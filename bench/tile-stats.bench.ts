/**
 * tile-stats throughput: an 8192x8192 u8 image in 512x512 tiles (64 MiB), on each device alone
 * and all together, against a single-thread plain-JS loop run in the same process.
 *
 *   npm run bench                      # defaults
 *   npm run bench -- --size 4096 --tile 256 --repeats 5 --dtype u16 --json
 *
 * Prints GB/s (10^9 input bytes per second, median of the repeats after one warm-up run) and the
 * ratio to the plain-JS baseline. Figures from a shared machine are orders of magnitude, not limits.
 */
import { parseArgs } from 'node:util';
import { tileStatsKernel } from '../kernels/tile-stats/kernel.js';
import { defaultTileStatsParams, type TileStatsParams } from '../kernels/tile-stats/params.js';
import type { TileStatsPartial } from '../kernels/tile-stats/partial.js';
import { allocateArray, elementsOf, type ArrayView } from '../src/array/array-view.js';
import { DTYPE_INFO, parseDType } from '../src/array/dtype.js';
import { CpuPoolDevice } from '../src/devices/cpu-pool.js';
import type { Device } from '../src/devices/device.js';
import { WebGpuDevice } from '../src/devices/webgpu.js';
import { runKernel } from '../src/run.js';
import { makeTileGrid, tileRange } from '../src/tiling/tile-grid.js';

const { values: flags } = parseArgs({
  options: {
    size: { type: 'string', default: '8192' },
    tile: { type: 'string', default: '512' },
    dtype: { type: 'string', default: 'u8' },
    repeats: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const size = Number(flags.size);
const tile = Number(flags.tile);
const repeats = Number(flags.repeats);
const dtype = parseDType(flags.dtype);

function sampleImage(): ArrayView {
  const view = allocateArray(dtype, size, size, 1);
  const data = elementsOf(view);
  let seed = 12345;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = dtype === 'f32' ? (seed >>> 8) / 65536 : (seed >>> 16) % (DTYPE_INFO[dtype].max + 1);
  }
  return view;
}

/** The baseline: the obvious per-tile loop (min, max, sum, sum of squares, 256-bin histogram), one thread. */
function plainJsTileStats(view: ArrayView): number {
  const data = elementsOf(view);
  const grid = makeTileGrid(view.height, view.width, tile);
  const max = DTYPE_INFO[dtype].max;
  let checksum = 0;
  for (const t of tileRange(grid, 0, grid.count)) {
    const histogram = new Uint32Array(256);
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    let sumSq = 0;
    for (let y = t.y; y < t.y + t.height; y++) {
      const row = y * view.width;
      for (let x = t.x; x < t.x + t.width; x++) {
        const v = data[row + x]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        sum += v;
        sumSq += v * v;
        histogram[dtype === 'u8' ? v : Math.min(255, Math.floor((v / max) * 256))]!++;
      }
    }
    checksum += sum + sumSq + lo + hi + histogram[0]!;
  }
  return checksum;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(run: () => unknown): number {
  const start = performance.now();
  run();
  return (performance.now() - start) / 1000;
}

async function timeAsync(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

interface Row {
  name: string;
  gigabytesPerSecond: number;
  ratioToPlainJs: number;
  tilesPerDevice: string;
}

async function main(): Promise<void> {
  const view = sampleImage();
  const bytes = size * size * DTYPE_INFO[dtype].bytesPerElement;
  const params: TileStatsParams =
    dtype === 'u8' ? defaultTileStatsParams('u8') : { bins: 256, range: { lo: 0, hi: dtype === 'u16' ? 65535 : 256 } };
  const log = (text: string): void => {
    if (!flags.json) console.error(text);
  };
  log(`tile-stats bench: ${size}x${size} ${dtype} (${(bytes / 2 ** 20).toFixed(0)} MiB), ${tile}x${tile} tiles, median of ${repeats}`);

  plainJsTileStats(view); // warm-up
  const baselineSeconds = median(Array.from({ length: repeats }, () => time(() => plainJsTileStats(view))));
  const baseline = bytes / baselineSeconds / 1e9;
  const rows: Row[] = [{ name: 'plain JS, 1 thread (baseline)', gigabytesPerSecond: baseline, ratioToPlainJs: 1, tilesPerDevice: '-' }];
  log(`  baseline: ${baseline.toFixed(3)} GB/s`);

  const cpu = new CpuPoolDevice();
  let gpu: WebGpuDevice | null = null;
  try {
    gpu = await WebGpuDevice.open();
  } catch (error) {
    log(`  no WebGPU adapter: ${(error as Error).message}`);
  }
  const configurations: { name: string; devices: Device[] }[] = [{ name: `cpu pool (${cpu.concurrency} threads)`, devices: [cpu] }];
  if (gpu) {
    const label = `webgpu (${gpu.info.description}${gpu.info.software ? ', software' : ''})`;
    configurations.push({ name: label, devices: [gpu] });
    configurations.push({ name: 'cpu pool + webgpu', devices: [cpu, gpu] });
  }
  for (const configuration of configurations) {
    let lastTiles = '';
    const once = async (): Promise<void> => {
      const result = await runKernel<TileStatsParams, TileStatsPartial>(tileStatsKernel, view, params, {
        devices: configuration.devices,
        tile,
      });
      lastTiles = result.devices.map((d) => `${d.id}:${d.tiles}`).join(' ');
    };
    await once(); // warm-up: workers start, pipelines compile
    const seconds: number[] = [];
    for (let r = 0; r < repeats; r++) seconds.push(await timeAsync(once));
    const rate = bytes / median(seconds) / 1e9;
    rows.push({ name: configuration.name, gigabytesPerSecond: rate, ratioToPlainJs: rate / baseline, tilesPerDevice: lastTiles });
    log(`  ${configuration.name}: ${rate.toFixed(3)} GB/s (${(rate / baseline).toFixed(2)}x plain JS) ${lastTiles}`);
  }
  await cpu.close();
  await gpu?.close();

  if (flags.json) {
    console.log(JSON.stringify({ size, tile, dtype, bytes, repeats, rows }, null, 2));
  } else {
    const width = Math.max(...rows.map((row) => row.name.length));
    console.log(`\n${'configuration'.padEnd(width)}  GB/s    x plain JS  tiles per device`);
    for (const row of rows) {
      console.log(`${row.name.padEnd(width)}  ${row.gigabytesPerSecond.toFixed(3).padStart(6)}  ${row.ratioToPlainJs.toFixed(2).padStart(10)}  ${row.tilesPerDevice}`);
    }
  }
}

await main();
process.exit(0);
