import { performance } from 'node:perf_hooks';
import { DTYPE_INFO } from '../array/dtype.js';
import type { BatchJob, Device } from '../devices/device.js';
import type { TileGrid } from '../tiling/tile-grid.js';
import { tileRange } from '../tiling/tile-grid.js';
import type { Tile } from '../tiling/tile.js';
import { nextBatchTiles } from './batch-size.js';
import { ThroughputMeter } from './throughput.js';

/** What one device did in a run. */
export interface DeviceRecord {
  id: string;
  description: string;
  software: boolean;
  tiles: number;
  bytes: number;
  batches: number;
  /** Wall seconds with at least one batch in flight. */
  busySeconds: number;
  /** bytes / busySeconds. */
  bytesPerSecond: number;
}

/** One scheduling decision and how it turned out. */
export interface BatchRecord {
  device: string;
  lane: number;
  firstTile: number;
  tileCount: number;
  bytes: number;
  /** Seconds since the run started. */
  start: number;
  seconds: number;
  /** What the throughput model expected, or null while the device was uncalibrated. */
  predictedSeconds: number | null;
}

export interface ScheduleResult {
  /** One partial per tile, indexed by tile index. */
  partials: unknown[];
  devices: DeviceRecord[];
  batches: BatchRecord[];
  seconds: number;
}

export interface ScheduleOptions {
  /** Work per batch per lane once a device is calibrated. */
  targetBatchSeconds?: number;
  /** Size of a device's first (calibration) batch. */
  probeBytes?: number;
  onProgress?: (tilesDone: number, tilesTotal: number, bytesDone: number) => void;
}

function tileBytes(tile: Tile, channels: number, bytesPerElement: number): number {
  return tile.width * tile.height * channels * bytesPerElement;
}

/**
 * Devices pull batches of consecutive tiles from one queue; each device runs as many lanes as it
 * has batches in flight. Batch sizes follow each device's measured throughput (see batch-size.ts).
 * The first failure stops all lanes from taking more work and is rethrown once in-flight batches end.
 */
export async function scheduleTiles(
  devices: readonly Device[],
  job: BatchJob,
  grid: TileGrid,
  options: ScheduleOptions = {},
): Promise<ScheduleResult> {
  const targetSeconds = options.targetBatchSeconds ?? 0.05;
  const probeBytes = options.probeBytes ?? 1 << 20;
  const bytesPerElement = DTYPE_INFO[job.view.dtype].bytesPerElement;
  const fullTileBytes = grid.tileHeight * grid.tileWidth * job.view.channels * bytesPerElement;
  const meters = devices.map(() => new ThroughputMeter());
  const tileCounts = devices.map(() => 0);
  const batchCounts = devices.map(() => 0);
  const partials: unknown[] = new Array(grid.count);
  const batches: BatchRecord[] = [];
  const startTime = performance.now() / 1000;
  const now = (): number => performance.now() / 1000 - startTime;
  let nextTile = 0;
  let tilesDone = 0;
  let bytesDone = 0;
  let failure: { error: unknown } | null = null;
  const totalLanes = devices.reduce((sum, device) => sum + device.concurrency, 0);

  const totalRate = (t: number): number | null => {
    const rates = meters.map((meter) => meter.rate(t));
    const measured = rates.filter((rate): rate is number => rate !== null);
    if (measured.length === 0) return null;
    const mean = measured.reduce((a, b) => a + b, 0) / measured.length;
    return rates.reduce<number>((sum, rate) => sum + (rate ?? mean), 0);
  };

  async function lane(deviceIndex: number, laneIndex: number): Promise<void> {
    const device = devices[deviceIndex]!;
    const meter = meters[deviceIndex]!;
    while (failure === null && nextTile < grid.count) {
      const t = now();
      const deviceRate = meter.rate(t);
      const count = nextBatchTiles({
        remainingTiles: grid.count - nextTile,
        bytesPerTile: fullTileBytes,
        deviceRate,
        lanes: device.concurrency,
        totalRate: totalRate(t),
        targetSeconds,
        probeBytes,
        totalTiles: grid.count,
        totalLanes,
      });
      const first = nextTile;
      nextTile += count;
      const tiles = tileRange(grid, first, count);
      const bytes = tiles.reduce((sum, tile) => sum + tileBytes(tile, job.view.channels, bytesPerElement), 0);
      const predicted = deviceRate === null ? null : bytes / (deviceRate / device.concurrency);
      meter.batchStarted(t);
      let results: unknown[];
      try {
        results = await device.run(job, tiles);
        if (results.length !== tiles.length) {
          throw new Error(`device ${device.info.id} returned ${results.length} results for ${tiles.length} tiles`);
        }
      } catch (error) {
        meter.batchFinished(now(), 0);
        failure ??= { error };
        return;
      }
      const end = now();
      meter.batchFinished(end, bytes);
      results.forEach((partial, i) => (partials[first + i] = partial));
      tileCounts[deviceIndex]! += count;
      batchCounts[deviceIndex]!++;
      tilesDone += count;
      bytesDone += bytes;
      batches.push({
        device: device.info.id,
        lane: laneIndex,
        firstTile: first,
        tileCount: count,
        bytes,
        start: t,
        seconds: end - t,
        predictedSeconds: predicted,
      });
      options.onProgress?.(tilesDone, grid.count, bytesDone);
    }
  }

  const lanes: Promise<void>[] = [];
  devices.forEach((device, d) => {
    for (let l = 0; l < device.concurrency; l++) lanes.push(lane(d, l));
  });
  await Promise.all(lanes);
  const failed = failure as { error: unknown } | null;
  if (failed !== null) throw failed.error;

  const end = now();
  return {
    partials,
    seconds: end,
    batches,
    devices: devices.map((device, d) => {
      const meter = meters[d]!;
      const busySeconds = meter.busyTime(end);
      return {
        id: device.info.id,
        description: device.info.description,
        software: device.info.software,
        tiles: tileCounts[d]!,
        bytes: meter.bytes,
        batches: batchCounts[d]!,
        busySeconds,
        bytesPerSecond: busySeconds > 0 ? meter.bytes / busySeconds : 0,
      };
    }),
  };
}
