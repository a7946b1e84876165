/**
 * Every kernel on every backend: GB/s of input (10^9 bytes per second, median of the repeats
 * after one warm-up run) and the ratio to a plain-JS single-thread loop run in the same process:
 * the kernel's own CPU reference called directly on the main thread over every tile.
 *
 *   npm run bench:kernels
 *   npm run bench:kernels -- --size 1024 --kernels convolve,map --backends cpu,webgpu --json
 *
 * Figures from a shared 2-core machine with software GPUs are orders of magnitude, not limits.
 */
import { parseArgs } from 'node:util';
import { builtinKernels } from '../kernels/index.js';
import { loadKernelModule } from '../kernels/load-module.js';
import { parseParams } from '../kernels/params.js';
import type { AnyKernel } from '../kernels/types.js';
import { allocateArray, elementsOf, type ArrayView } from '../src/array/array-view.js';
import { DTYPE_INFO, parseDType } from '../src/array/dtype.js';
import { CpuPoolDevice } from '../src/devices/cpu-pool.js';
import type { Device } from '../src/devices/device.js';
import { GpuJsDevice } from '../src/devices/gpujs.js';
import { WebGpuDevice } from '../src/devices/webgpu.js';
import { runKernel } from '../src/run.js';
import { makeTileGrid, tileRange } from '../src/tiling/tile-grid.js';

const { values: flags } = parseArgs({
  options: {
    size: { type: 'string', default: '2048' },
    tile: { type: 'string', default: '512' },
    dtype: { type: 'string', default: 'u8' },
    repeats: { type: 'string', default: '3' },
    kernels: { type: 'string' },
    backends: { type: 'string', default: 'cpu,webgpu,gpujs' },
    json: { type: 'boolean', default: false },
  },
});
const size = Number(flags.size);
const tile = Number(flags.tile);
const repeats = Number(flags.repeats);
const dtype = parseDType(flags.dtype);
const wantedBackends = flags.backends.split(',');

/** A representative parameter set per kernel (defaults where none is listed). */
const BENCH_PARAMS: Record<string, string[]> = {
  'tile-stats': [],
  histogram: [],
  convolve: ['preset=gaussian', 'size=5'],
  map: ['op=affine', 'scale=0.5', 'offset=3'],
  downsample: ['factor=2', 'reduce=mean'],
  dilate: ['radius=1'],
};

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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function seconds(run: () => unknown): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

async function measure(run: () => unknown): Promise<number> {
  await run(); // warm-up: workers start, pipelines and gpu.js kernels compile
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) times.push(await seconds(run));
  return median(times);
}

/** The baseline: the kernel's CPU reference on the main thread, tile after tile. */
async function plainJs(kernel: AnyKernel, view: ArrayView, userParams: unknown): Promise<() => void> {
  // Parameters as the tiles see them (a first pass, if any, run once here on the reference).
  const cpu = new CpuPoolDevice({ threads: 1 });
  const prepared = (await runKernel(kernel, view, userParams, { devices: [cpu], tile })).params;
  await cpu.close();
  const halo = kernel.halo(view, prepared);
  const tiles = tileRange(makeTileGrid(view.height, view.width, tile, tile, halo), 0, makeTileGrid(view.height, view.width, tile).count);
  if (kernel.kind === 'reduction') return () => void kernel.cpu(view, tiles, prepared);
  const shape = kernel.output(view, prepared);
  // A fresh output each time, as a run allocates one: first-touch page faults on a new 64 MiB
  // array cost more than an element-wise map itself on some machines.
  return () => kernel.cpu(view, tiles, prepared, allocateArray(shape.dtype, shape.height, shape.width, shape.channels));
}

interface Row {
  kernel: string;
  backend: string;
  gigabytesPerSecond: number;
  ratioToPlainJs: number;
  passes: number;
}

async function main(): Promise<void> {
  const view = sampleImage();
  const bytes = view.height * view.width * DTYPE_INFO[dtype].bytesPerElement;
  const log = (text: string): void => {
    if (!flags.json) console.error(text);
  };
  log(`kernel bench: ${size}x${size} ${dtype} (${(bytes / 2 ** 20).toFixed(0)} MiB), ${tile}x${tile} tiles, median of ${repeats}`);

  const devices: { name: string; device: Device }[] = [];
  if (wantedBackends.includes('cpu')) {
    const cpu = new CpuPoolDevice();
    devices.push({ name: `cpu pool (${cpu.concurrency} threads)`, device: cpu });
  }
  if (wantedBackends.includes('webgpu')) {
    try {
      const gpu = await WebGpuDevice.open();
      devices.push({ name: `webgpu (${gpu.info.description.split(':')[0]} via ${gpu.info.backend}${gpu.info.software ? ', software' : ''})`, device: gpu });
    } catch (error) {
      log(`  no WebGPU adapter: ${(error as Error).message}`);
    }
  }
  if (wantedBackends.includes('gpujs')) {
    const gpujs = await GpuJsDevice.open();
    devices.push({ name: `gpu.js (${gpujs.info.backend})`, device: gpujs });
  }

  const kernels: AnyKernel[] = [...builtinKernels(), await loadKernelModule(new URL('../../kernels/examples/dilate.js', import.meta.url).pathname)];
  const chosen = flags.kernels ? kernels.filter((k) => flags.kernels!.split(',').includes(k.name)) : kernels;
  const rows: Row[] = [];
  for (const kernel of chosen) {
    const params = parseParams(kernel.name, kernel.params, BENCH_PARAMS[kernel.name] ?? []);
    const baseline = bytes / (await measure(await plainJs(kernel, view, params))) / 1e9;
    rows.push({ kernel: kernel.name, backend: 'plain JS, 1 thread (baseline)', gigabytesPerSecond: baseline, ratioToPlainJs: 1, passes: 1 });
    log(`  ${kernel.name}: baseline ${baseline.toFixed(3)} GB/s`);
    for (const { name, device } of devices) {
      if (!device.supports(kernel)) continue;
      let passes = 1;
      const rate =
        bytes /
        (await measure(async () => {
          passes = (await runKernel(kernel, view, params, { devices: [device], tile })).passes;
        })) /
        1e9;
      rows.push({ kernel: kernel.name, backend: name, gigabytesPerSecond: rate, ratioToPlainJs: rate / baseline, passes });
      log(`  ${kernel.name} on ${name}: ${rate.toFixed(3)} GB/s (${(rate / baseline).toFixed(2)}x)`);
    }
  }
  for (const { device } of devices) await device.close();

  if (flags.json) {
    console.log(JSON.stringify({ size, tile, dtype, bytes, repeats, rows }, null, 2));
    return;
  }
  const table = [['kernel', 'backend', 'GB/s', 'x plain JS', 'passes'], ...rows.map((r) => [r.kernel, r.backend, r.gigabytesPerSecond.toFixed(3), r.ratioToPlainJs.toFixed(2), String(r.passes)])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  console.log('\n' + table.map((row) => row.map((cell, i) => (i >= 2 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ')).join('\n'));
}

await main();
process.exit(0);
