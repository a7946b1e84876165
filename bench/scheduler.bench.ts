/**
 * What the scheduler's choices buy on this machine's real devices (tile-stats, u8):
 * - WebGPU overlap: 1, 2 and 3 batches in flight (upload of one overlapping compute of another);
 * - CPU pool batch sizing: dmda's batches against one tile per task and against one batch per
 *   thread (greedy with fixed sizes), showing the per-task cost and the tail;
 * - CPU pool + WebGPU: dmda against greedy fixed batches and a static split.
 * Ratios are to the first row of each group, run in the same process.
 *
 *   npm run bench:overlap [-- --size 4096 --tile 256 --repeats 3 --json]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { tileStatsKernel } from '../kernels/tile-stats/kernel.js';
import type { TileStatsParams } from '../kernels/tile-stats/params.js';
import { allocateArray, elementsOf, type ArrayView } from '../src/array/array-view.js';
import { CpuPoolDevice } from '../src/devices/cpu-pool.js';
import type { Device } from '../src/devices/device.js';
import { WebGpuDevice } from '../src/devices/webgpu.js';
import { runKernel } from '../src/run.js';
import { DmdaPolicy } from '../src/scheduler/dmda-policy.js';
import { GreedyPolicy } from '../src/scheduler/greedy-policy.js';
import { ModelStore } from '../src/scheduler/model-store.js';
import type { SchedulingPolicy } from '../src/scheduler/policy.js';
import { StaticPolicy } from '../src/scheduler/static-policy.js';
import { makeTileGrid } from '../src/tiling/tile-grid.js';

const { values: flags } = parseArgs({
  options: {
    size: { type: 'string', default: '4096' },
    tile: { type: 'string', default: '256' },
    repeats: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const size = Number(flags.size);
const tile = Number(flags.tile);
const repeats = Number(flags.repeats);
const log = (text: string): void => {
  if (!flags.json) console.error(text);
};

function sampleImage(): ArrayView {
  const view = allocateArray('u8', size, size, 1);
  const data = elementsOf(view);
  let seed = 12345;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = (seed >>> 16) & 255;
  }
  return view;
}

interface Row {
  group: string;
  name: string;
  gigabytesPerSecond: number;
  ratio: number;
  tilesPerDevice: string;
  batches: number;
}

const view = sampleImage();
const bytes = size * size;
const params: TileStatsParams = { bins: 256, range: { lo: 0, hi: 255 } };
// Models learned in the warm-up run are used by the timed runs, as a second CLI run would; never the user's cache.
const store = new ModelStore(mkdtempSync(join(tmpdir(), 'tilerun-bench-models-')));
const rows: Row[] = [];

interface Configuration {
  group: string;
  name: string;
  devices: Device[];
  policy?: SchedulingPolicy;
}

/** Runs once and returns seconds, with what the run did. */
async function runOnce(configuration: Configuration): Promise<{ seconds: number; tiles: string; batches: number }> {
  const start = performance.now();
  const result = await runKernel(tileStatsKernel, view, params, {
    devices: configuration.devices,
    tile,
    models: store,
    ...(configuration.policy ? { policy: configuration.policy } : {}),
  });
  return { seconds: (performance.now() - start) / 1000, tiles: result.devices.map((d) => `${d.id}:${d.tiles}`).join(' '), batches: result.batches.length };
}

/**
 * Every configuration warms up twice (worker threads compile the kernel, pipelines build, models
 * calibrate), then the timed runs go round-robin, so drift on a shared machine hits all alike.
 */
async function measureAll(configurations: Configuration[]): Promise<void> {
  for (const configuration of configurations) for (let i = 0; i < 2; i++) await runOnce(configuration);
  const runs = configurations.map(() => [] as { seconds: number; tiles: string; batches: number }[]);
  for (let r = 0; r < repeats; r++) for (const [i, configuration] of configurations.entries()) runs[i]!.push(await runOnce(configuration));
  configurations.forEach((configuration, i) => {
    const sorted = [...runs[i]!].sort((a, b) => a.seconds - b.seconds);
    const middle = sorted[Math.floor(sorted.length / 2)]!;
    const rate = bytes / middle.seconds / 1e9;
    const first = rows.find((row) => row.group === configuration.group);
    const row = { group: configuration.group, name: configuration.name, gigabytesPerSecond: rate, ratio: first ? rate / first.gigabytesPerSecond : 1, tilesPerDevice: middle.tiles, batches: middle.batches };
    rows.push(row);
    log(`  ${row.group} / ${row.name}: ${rate.toFixed(3)} GB/s (x${row.ratio.toFixed(2)}) ${row.tilesPerDevice}, ${row.batches} batches`);
  });
}

log(`scheduler bench: tile-stats ${size}x${size} u8 (${(bytes / 2 ** 20).toFixed(0)} MiB), ${tile}x${tile} tiles, median of ${repeats}`);
const cpu = new CpuPoolDevice();
const gridTiles = makeTileGrid(size, size, tile).count;
await measureAll([
  { group: 'cpu pool batches', name: 'dmda (model-sized batches)', devices: [cpu] },
  { group: 'cpu pool batches', name: 'one tile per task', devices: [cpu], policy: new GreedyPolicy(1) },
  { group: 'cpu pool batches', name: 'one batch per thread', devices: [cpu], policy: new GreedyPolicy(Math.ceil(gridTiles / cpu.concurrency)) },
]);

let gpus: WebGpuDevice[] = [];
try {
  for (const inFlight of [1, 2, 3]) gpus.push(await WebGpuDevice.open({ inFlight }));
} catch (error) {
  log(`  no WebGPU adapter, WebGPU rows left out: ${(error as Error).message}`);
  gpus = [];
}
if (gpus.length === 3) {
  const description = `${gpus[0]!.info.description}${gpus[0]!.info.software ? ', software' : ''}`;
  log(`  WebGPU: ${description}`);
  await measureAll(gpus.map((gpu) => ({ group: `webgpu overlap (${description})`, name: `${gpu.concurrency} in flight`, devices: [gpu] })));
  const gpu = gpus[1]!;
  await measureAll([
    { group: 'cpu pool + webgpu', name: 'dmda', devices: [cpu, gpu], policy: new DmdaPolicy() },
    { group: 'cpu pool + webgpu', name: 'greedy, 16 tiles a batch', devices: [cpu, gpu], policy: new GreedyPolicy(16) },
    { group: 'cpu pool + webgpu', name: 'static split, cpu:gpu = 1:1', devices: [cpu, gpu], policy: new StaticPolicy([1, 1], 16) },
  ]);
}
await cpu.close();
for (const gpu of gpus) await gpu.close();

if (flags.json) console.log(JSON.stringify({ size, tile, bytes, repeats, rows }, null, 2));
else {
  console.log('\n| group | configuration | GB/s | x first of group | tiles per device | batches |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.group} | ${r.name} | ${r.gigabytesPerSecond.toFixed(3)} | ${r.ratio.toFixed(2)} | ${r.tilesPerDevice} | ${r.batches} |`);
}
process.exit(0);
