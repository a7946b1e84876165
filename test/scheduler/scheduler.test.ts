import { describe, expect, it } from 'vitest';
import { tileStatsKernel } from '../../kernels/tile-stats/kernel.js';
import type { TileStatsParams } from '../../kernels/tile-stats/params.js';
import { allocateArray, elementsOf } from '../../src/array/array-view.js';
import type { BatchJob, Device, DeviceInfo } from '../../src/devices/device.js';
import { scheduleTiles } from '../../src/scheduler/scheduler.js';
import { makeTileGrid } from '../../src/tiling/tile-grid.js';
import type { Tile } from '../../src/tiling/tile.js';

/**
 * An in-process device with a chosen speed, for testing scheduling decisions alone (the real
 * backends are exercised in the kernel and parity tests). It runs the real CPU kernel.
 */
class PacedDevice implements Device {
  readonly info: DeviceInfo;
  readonly maxBandBytes = Number.POSITIVE_INFINITY;
  seen: number[] = [];
  constructor(
    id: string,
    readonly concurrency: number,
    private readonly secondsPerTile: number,
    private readonly failOnTile: number | null = null,
  ) {
    this.info = { id, kind: 'cpu', description: id, software: false };
  }
  supports(): boolean {
    return true;
  }
  async run(job: BatchJob, tiles: readonly Tile[]): Promise<unknown[]> {
    await new Promise((resolve) => setTimeout(resolve, tiles.length * this.secondsPerTile * 1000));
    if (this.failOnTile !== null && (this.failOnTile < 0 || tiles.some((tile) => tile.index === this.failOnTile))) {
      throw new Error(`injected failure on tile ${tiles[0]!.index}`);
    }
    this.seen.push(...tiles.map((tile) => tile.index));
    return tileStatsKernel.cpu(job.view, tiles, job.params as { bins: number; range: null });
  }
  async close(): Promise<void> {}
}

function job(): { job: BatchJob; grid: ReturnType<typeof makeTileGrid> } {
  const view = allocateArray('u8', 64, 64, 1);
  elementsOf(view).forEach((_, i, data) => (data[i] = i % 251));
  return { job: { kernel: tileStatsKernel, view, params: { bins: 0, range: null }, halo: 0 }, grid: makeTileGrid(64, 64, 4) };
}

describe('scheduleTiles', () => {
  it('runs every tile exactly once and returns partials in tile order', async () => {
    const { job: batchJob, grid } = job();
    const fast = new PacedDevice('fast', 2, 0.0002);
    const slow = new PacedDevice('slow', 1, 0.002);
    const result = await scheduleTiles([fast, slow], batchJob, grid, { probeBytes: 64, targetBatchSeconds: 0.01 });
    const seen = [...fast.seen, ...slow.seen].sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: grid.count }, (_, i) => i));
    const expected = tileStatsKernel.cpu(batchJob.view, Array.from({ length: grid.count }, (_, i) => ({
      index: i, row: Math.floor(i / grid.cols), col: i % grid.cols, y: Math.floor(i / grid.cols) * 4, x: (i % grid.cols) * 4, height: 4, width: 4, halo: 0,
    })), batchJob.params as TileStatsParams);
    expect(result.partials).toEqual(expected);
    const tilesByRecord = result.devices.reduce((sum, device) => sum + device.tiles, 0);
    expect(tilesByRecord).toBe(grid.count);
    expect(result.batches.reduce((sum, batch) => sum + batch.tileCount, 0)).toBe(grid.count);
  });

  it('gives a faster device more tiles, by measured throughput', async () => {
    const { job: batchJob, grid } = job();
    const fast = new PacedDevice('fast', 1, 0.0002);
    const slow = new PacedDevice('slow', 1, 0.004);
    const result = await scheduleTiles([fast, slow], batchJob, grid, { probeBytes: 64, targetBatchSeconds: 0.01 });
    const [fastRecord, slowRecord] = result.devices;
    expect(fastRecord!.tiles).toBeGreaterThan(slowRecord!.tiles * 3);
    // Calibrated batches carry a prediction.
    expect(result.batches.some((batch) => batch.predictedSeconds !== null)).toBe(true);
  });

  it('ends with the error of a failing batch, without hanging', async () => {
    const { job: batchJob, grid } = job();
    const failing = new PacedDevice('failing', 1, 0.0005, -1);
    const healthy = new PacedDevice('healthy', 2, 0.0005);
    await expect(scheduleTiles([failing, healthy], batchJob, grid, { probeBytes: 16 * 8 })).rejects.toThrow(
      /injected failure on tile/,
    );
  });
});
