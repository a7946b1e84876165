/**
 * Distributed runs on this machine: a real redis-server on loopback and 1, 2 and 4 `tilerun
 * worker` processes (CPU pool of one thread each), tile-stats over a u8 array.
 * - scaling: throughput with 1, 2 and 4 workers at one batch size, and the ratio to 1 worker (the
 *   machine has 2 cores, shared: more than 2 workers cannot be faster, and this says by how much);
 * - queue overhead: with 1 worker, the run's wall time minus the time the worker spent in its
 *   batches, per batch, over a sweep of batch sizes, and the batch size from which the overhead is
 *   under 5% of the run. The overhead is split (least squares over the sweep) into a cost per run
 *   and a cost per batch; the batch size printed is where the per-batch cost is under 5% of a
 *   batch's time on the worker.
 *
 *   npm run bench:distributed [-- --size 4096 --tile 256 --repeats 3 --json]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tileStatsKernel } from '../kernels/tile-stats/kernel.js';
import type { TileStatsParams } from '../kernels/tile-stats/params.js';
import { allocateArray, elementsOf } from '../src/array/array-view.js';
import { runDistributed } from '../src/distributed/coordinator.js';
import { encodeNpy } from '../src/io/npy.js';

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
const log = (text: string): void => void process.stderr.write(text + '\n');
const launcher = fileURLToPath(new URL('../../bin/tilerun.js', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when `child` prints `pattern`, rejects after `ms`. */
function waitFor(child: ChildProcess, pattern: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms: ${text}`)), ms);
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      if (pattern.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'tilerun-bench-distributed-'));
const port = await freePort();
const url = `redis://127.0.0.1:${port}`;
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
const workers: ChildProcess[] = [];
/** `times` runs one after another (they share the workers). */
async function repeat<T>(times: number, run: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < times; i++) results.push(await run());
  return results;
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  await waitFor(redis, /Ready to accept connections/, 10_000);
  const view = allocateArray('u8', size, size, 1);
  const elements = elementsOf(view);
  for (let i = 0; i < elements.length; i++) elements[i] = (i * 2654435761) >>> 24;
  const input = join(dir, 'input.npy');
  writeFileSync(input, encodeNpy(view));
  const params: TileStatsParams = { bins: 256, range: null };
  const tiles = Math.ceil(size / tile) ** 2;

  /** One run: wall seconds, and the seconds the workers spent in batches. */
  const runOnce = async (batchTiles: number) => {
    const started = performance.now();
    const result = await runDistributed(tileStatsKernel, view, params, { url, inputPath: input, tile, batchTiles, timeoutSeconds: 600 });
    const wall = (performance.now() - started) / 1000;
    const busy = result.devices.reduce((sum, device) => sum + device.busySeconds, 0);
    return { wall, busy, batches: result.devices.reduce((sum, device) => sum + device.batches, 0) };
  };

  const startWorkers = async (count: number) => {
    while (workers.length < count) {
      const child = spawn(process.execPath, [launcher, 'worker', '--redis', url, '--devices', 'cpu', '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
      workers.push(child);
      await waitFor(child, /ready/, 60_000);
    }
    // Every worker reads the input and starts its pool once before anything is timed.
    await runOnce(1);
  };

  log(`tile-stats over ${size}x${size} u8 (${(size * size) / 2 ** 20} MiB), ${tiles} tiles of ${tile}x${tile}; workers: CPU pool of 1 thread each; machine shared, 2 cores`);
  const scalingBatch = Math.max(1, Math.round(tiles / 32));
  const scaling: { workers: number; seconds: number; megabytesPerSecond: number; ratioTo1: number }[] = [];
  const sweep: { batchTiles: number; batches: number; seconds: number; overheadPerBatchMs: number; overheadShare: number }[] = [];
  for (const count of [1, 2, 4]) {
    await startWorkers(count);
    const seconds = median(await repeat(repeats, () => runOnce(scalingBatch).then((r) => r.wall)));
    const row = { workers: count, seconds, megabytesPerSecond: (size * size) / seconds / 1e6, ratioTo1: scaling.length ? scaling[0]!.seconds / seconds : 1 };
    scaling.push(row);
    log(`${count} worker${count === 1 ? ' ' : 's'}: ${seconds.toFixed(3)} s, ${row.megabytesPerSecond.toFixed(1)} MB/s, x${row.ratioTo1.toFixed(2)} vs 1 worker (batches of ${scalingBatch} tiles)`);
    if (count === 1) {
      for (let batchTiles = 1; batchTiles <= tiles; batchTiles *= 2) {
        const runs = await repeat(repeats, () => runOnce(batchTiles));
        const best = runs.sort((a, b) => a.wall - b.wall)[Math.floor(runs.length / 2)]!;
        const overhead = Math.max(0, best.wall - best.busy);
        const entry = { batchTiles, batches: best.batches, seconds: best.wall, overheadPerBatchMs: (overhead / best.batches) * 1000, overheadShare: overhead / best.wall };
        sweep.push(entry);
        log(`  1 worker, ${String(batchTiles).padStart(4)} tiles/batch: ${best.batches} batches, ${best.wall.toFixed(3)} s, queue overhead ${entry.overheadPerBatchMs.toFixed(2)} ms/batch = ${(entry.overheadShare * 100).toFixed(1)}% of the run`);
      }
    }
  }
  // Overhead = a fixed cost per run (connections, the flow, the stitch job) + a cost per batch:
  // a least-squares line through (batches, wall - busy) separates the two.
  const n = sweep.length;
  const mx = sweep.reduce((sum, e) => sum + e.batches, 0) / n;
  const overheads = sweep.map((e) => e.seconds * e.overheadShare);
  const my = overheads.reduce((sum, v) => sum + v, 0) / n;
  const slope = sweep.reduce((sum, e, i) => sum + (e.batches - mx) * (overheads[i]! - my), 0) / sweep.reduce((sum, e) => sum + (e.batches - mx) ** 2, 0);
  const fixedSeconds = my - slope * mx;
  // Seconds a worker spends per tile, from the run with the fewest batches (least per-batch cost in it).
  const last = sweep.at(-1)!;
  const tileSeconds = (last.seconds * (1 - last.overheadShare)) / tiles;
  // Per-batch overhead under 5% of a batch's time: slope / (slope + B x tileSeconds) < 0.05.
  const under5 = Math.ceil((slope * 19) / tileSeconds);
  log(`queue overhead: ${(slope * 1000).toFixed(1)} ms per batch + ${fixedSeconds.toFixed(2)} s per run (fit over the sweep); a worker spends ${(tileSeconds * 1000).toFixed(2)} ms per tile`);
  log(`per-batch overhead under 5% from about ${under5} tiles (${((under5 * tile * tile) / 2 ** 20).toFixed(0)} MiB) per batch`);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ size, tile, tiles, repeats, scaling, sweep, perBatchSeconds: slope, perRunSeconds: fixedSeconds, tileSeconds, under5PercentFromBatchTiles: under5 }, null, 2) + '\n');
  }
} finally {
  for (const worker of workers) worker.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
  redis.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
