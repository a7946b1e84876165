/**
 * The browser runtime against the Node runtime on the same input, in one process:
 *  - launch cost: Chromium start to a page with its devices open, and close;
 *  - transfer: MB/s of input rows into the page (a WebSocket message per batch) and of results out (another), from a
 *    map kernel's run, whose output is as large as its input;
 *  - per page device (Web Worker pool, WebGPU on SwiftShader, gpu.js on WebGL2): tile-stats GB/s
 *    of the whole run (moving data included) and of the page's compute alone;
 *  - the ratio of each to Node's device of the same kind (the piscina pool; Dawn's WebGPU where an
 *    adapter exists).
 * GB/s is 10^9 bytes of input per second, median of the repeats after one warm-up run.
 *
 *   npm run bench:browser
 *   npm run bench:browser -- --size 2048 --repeats 3 --json
 *
 * Figures from a shared 2-core machine with software GPUs are orders of magnitude, not limits.
 */
import { parseArgs } from 'node:util';
import { getKernel } from '../kernels/index.js';
import { parseParams } from '../kernels/params.js';
import type { AnyKernel } from '../kernels/types.js';
import { allocateArray, byteLength, elementsOf, type ArrayView } from '../src/array/array-view.js';
import { openBrowserDevices } from '../src/browser/open.js';
import { BrowserSession, type TransferStats } from '../src/browser/session.js';
import { CpuPoolDevice } from '../src/devices/cpu-pool.js';
import type { Device } from '../src/devices/device.js';
import { WebGpuDevice } from '../src/devices/webgpu.js';
import { runKernel } from '../src/run.js';

const { values: flags } = parseArgs({
  options: {
    size: { type: 'string', default: '2048' },
    tile: { type: 'string', default: '512' },
    repeats: { type: 'string', default: '3' },
    browser: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const size = Number(flags.size);
const tile = Number(flags.tile);
const repeats = Number(flags.repeats);
const executable = flags.browser;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function sample(): ArrayView {
  const view = allocateArray('u8', size, size, 1);
  const elements = elementsOf(view);
  for (let i = 0; i < elements.length; i++) elements[i] = (i * 2654435761) >>> 24;
  return view;
}

function delta(after: TransferStats, before: TransferStats): TransferStats {
  return {
    batches: after.batches - before.batches,
    bytesIn: after.bytesIn - before.bytesIn,
    bytesOut: after.bytesOut - before.bytesOut,
    fetchSeconds: after.fetchSeconds - before.fetchSeconds,
    postSeconds: after.postSeconds - before.postSeconds,
    computeSeconds: after.computeSeconds - before.computeSeconds,
    maxHeldBytes: after.maxHeldBytes,
  };
}

/** Median seconds of `repeats` runs after a warm-up, and the page's transfer figures of those runs. */
async function time(kernel: AnyKernel, view: ArrayView, params: unknown, device: Device, session?: BrowserSession) {
  await runKernel(kernel, view, params, { devices: [device], tile, models: false });
  const before = session ? { ...session.stats } : null;
  const seconds: number[] = [];
  for (let i = 0; i < repeats; i++) seconds.push((await runKernel(kernel, view, params, { devices: [device], tile, models: false })).seconds);
  return { seconds: median(seconds), transfer: session && before ? delta(session.stats, before) : null };
}

const view = sample();
const bytes = byteLength(view);
const stats = getKernel('tile-stats');
const statsParams = { bins: 256, range: null };
const map = getKernel('map');
const mapParams = parseParams('map', map.params, ['op=affine', 'scale=2', 'offset=1']);
const report: Record<string, unknown> = { input: `${size}x${size} u8 (${(bytes / 2 ** 20).toFixed(1)} MiB)`, tile, repeats };

// Launch cost: three launches to a page with all three devices open, then close.
const launches: number[] = [];
const closes: number[] = [];
for (let i = 0; i < 3; i++) {
  const session = await BrowserSession.open({ kinds: ['cpu', 'webgpu', 'gpujs'], ...(executable ? { executable } : {}) });
  launches.push(session.launchSeconds);
  const start = performance.now();
  await session.close();
  closes.push((performance.now() - start) / 1000);
}
report.launchSeconds = median(launches);
report.closeSeconds = median(closes);

const opened = await openBrowserDevices({ auto: false, kinds: ['cpu', 'webgpu', 'gpujs'] }, executable ? { executable } : {});
const nodeDevices: Device[] = [new CpuPoolDevice()];
try {
  nodeDevices.push(await WebGpuDevice.open());
} catch (error) {
  report.nodeWebGpu = `unavailable: ${error instanceof Error ? error.message : String(error)}`;
}
try {
  const browserCpu = opened.devices.find((device) => device.info.kind === 'cpu')!;
  const moved = await time(map, view, mapParams, browserCpu, opened.session);
  const transfer = moved.transfer!;
  report.transfer = {
    kernel: 'map affine (output as large as input), page Web Workers',
    inMBps: transfer.bytesIn / 1e6 / transfer.fetchSeconds,
    outMBps: transfer.bytesOut / 1e6 / transfer.postSeconds,
    batches: transfer.batches,
    maxHeldMiB: transfer.maxHeldBytes / 2 ** 20,
  };
  const rows: Record<string, unknown>[] = [];
  for (const device of [...nodeDevices, ...opened.devices]) {
    const { seconds, transfer: moved } = await time(stats, view, statsParams, device, device.info.id.startsWith('browser:') ? opened.session : undefined);
    const node = nodeDevices.find((candidate) => candidate.info.kind === device.info.kind);
    const nodeRow = rows.find((row) => row.device === node?.info.id);
    const gbps = bytes / 1e9 / seconds;
    rows.push({
      device: device.info.id,
      description: device.info.description,
      gbps,
      pageComputeGbps: moved ? (moved.bytesIn / 1e9) / moved.computeSeconds : null,
      ratioToNode: device.info.id.startsWith('browser:') && nodeRow ? gbps / (nodeRow.gbps as number) : null,
    });
  }
  report.tileStats = rows;
} finally {
  for (const device of [...nodeDevices, ...opened.devices]) await device.close();
}

if (flags.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
else {
  const f = (value: unknown, digits = 3) => (typeof value === 'number' ? (value < 0.1 ? value.toPrecision(2) : value.toFixed(digits)) : '-');
  const transfer = report.transfer as Record<string, number>;
  console.log(`browser runtime bench: ${report.input as string}, tile ${tile}, median of ${repeats} (shared machine: orders of magnitude)`);
  console.log(`launch to open devices ${f(report.launchSeconds, 2)} s, close ${f(report.closeSeconds, 2)} s`);
  console.log(`transfer into the page ${f(transfer.inMBps, 1)} MB/s, out ${f(transfer.outMBps, 1)} MB/s (${transfer.batches} batches, page held at most ${f(transfer.maxHeldMiB, 1)} MiB)`);
  if (report.nodeWebGpu) console.log(`node webgpu: ${report.nodeWebGpu as string}`);
  console.log('tile-stats:');
  for (const row of report.tileStats as Record<string, unknown>[]) {
    console.log(`  ${String(row.device).padEnd(16)} ${f(row.gbps)} GB/s  page compute ${f(row.pageComputeGbps)} GB/s  vs node ${f(row.ratioToNode, 2)}x  ${String(row.description)}`);
  }
}
