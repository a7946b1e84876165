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
    /** Batches after which it stops answering. */
    private readonly hangAfter: number | null = null,
    /** Batches after which it is lost: every later batch fails and lostReason says why. */
    private readonly loseAfter: number | null = null,
  ) {
    this.info = { id, kind: 'cpu', description: id, software: false };
  }
  supports(): boolean {
    return true;
  }
  private batches = 0;
  private lost: string | null = null;
  lostReason(): string | null {
    return this.lost;
  }
  async run(job: BatchJob, tiles: readonly Tile[]): Promise<unknown[]> {
    this.batches++;
    if (this.hangAfter !== null && this.batches > this.hangAfter) return new Promise(() => {});
    if (this.loseAfter !== null && this.batches > this.loseAfter) {
      this.lost = 'injected loss';
      throw new Error('device lost');
    }
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

  it('re-runs the tiles of a device that fails every batch elsewhere, retires it, and gets the clean answer', async () => {
    const { job: batchJob, grid } = job();
    const clean = await scheduleTiles([new PacedDevice('healthy', 2, 0.0002)], batchJob, grid, { probeBytes: 64 });
    const failing = new PacedDevice('failing', 1, 0.0005, -1);
    const healthy = new PacedDevice('healthy', 2, 0.0002);
    const result = await scheduleTiles([failing, healthy], batchJob, grid, { probeBytes: 64 });
    expect(result.partials).toEqual(clean.partials);
    expect(result.devices[0]!.tiles).toBe(0);
    expect(result.devices[0]!.retired).toMatch(/3 batches in a row failed/);
    expect(result.faults).toHaveLength(3);
    expect(result.faults[0]!.message).toMatch(/injected failure/);
    expect(new Set(healthy.seen).size).toBe(grid.count);
  });

  it('runs a tile that fails on one device on another', async () => {
    const { job: batchJob, grid } = job();
    const clean = await scheduleTiles([new PacedDevice('a', 1, 0.0002)], batchJob, grid, { probeBytes: 64 });
    const picky = new PacedDevice('picky', 1, 0.0002, 0);
    const other = new PacedDevice('other', 1, 0.0002);
    const result = await scheduleTiles([picky, other], batchJob, grid, { probeBytes: 64 });
    expect(result.partials).toEqual(clean.partials);
    expect(other.seen).toContain(0);
    expect(result.faults.length).toBeGreaterThanOrEqual(1);
    expect(result.faults.every((fault) => fault.device === 'picky')).toBe(true);
  });

  it('ends with the kernel error when a tile fails on every device, without hanging', async () => {
    const { job: batchJob, grid } = job();
    const a = new PacedDevice('a', 1, 0.0002, 37);
    const b = new PacedDevice('b', 2, 0.0002, 37);
    const failure = await scheduleTiles([a, b], batchJob, grid, { probeBytes: 64 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/injected failure on tile/);
    const faults = (failure as { faults: { action: string }[] }).faults;
    expect(faults).toHaveLength(3);
    expect(faults.at(-1)!.action).toMatch(/failed 3 times/);
  });

  it('runs a hung batch again on an idle device at the end (a backup) and finishes with the clean answer', async () => {
    const { job: batchJob, grid } = job();
    const clean = await scheduleTiles([new PacedDevice('a', 1, 0.0002)], batchJob, grid, { probeBytes: 64 });
    const hanging = new PacedDevice('hanging', 1, 0.0002, null, 2);
    const healthy = new PacedDevice('healthy', 1, 0.0002);
    const result = await scheduleTiles([hanging, healthy], batchJob, grid, { probeBytes: 64 });
    expect(result.partials).toEqual(clean.partials);
    expect(result.batches.some((batch) => batch.device === 'healthy' && batch.reason.startsWith('backup of a straggler on hanging'))).toBe(true);
  });

  it("backs up a hung first probe (a batch with no prediction) by the healthy lane's own model", async () => {
    const { job: batchJob, grid } = job();
    const clean = await scheduleTiles([new PacedDevice('a', 1, 0.0002)], batchJob, grid, { probeBytes: 64 });
    const hanging = new PacedDevice('hanging', 1, 0.0002, null, 0);
    const healthy = new PacedDevice('healthy', 1, 0.0002);
    // Were it never backed up, the watchdog would give up on it after 20 s and the reason below would differ.
    const result = await scheduleTiles([hanging, healthy], batchJob, grid, { probeBytes: 64, minBatchTimeoutSeconds: 20 });
    expect(result.partials).toEqual(clean.partials);
    expect(result.batches.some((batch) => batch.device === 'healthy' && batch.reason.startsWith('backup of a straggler on hanging') && batch.reason.includes('a probe'))).toBe(true);
    expect(result.seconds).toBeLessThan(20);
  });

  it('gives up on a batch that hangs where no other device can take it over, and says why', async () => {
    const { job: batchJob, grid } = job();
    const hanging = new PacedDevice('hanging', 1, 0.0002, null, 2);
    const failure = await scheduleTiles([hanging], batchJob, grid, { probeBytes: 64, minBatchTimeoutSeconds: 0.3, watchdogFactor: 1 }).catch((error: unknown) => error);
    expect((failure as Error).message).toMatch(/hanging did not finish tiles \d+\.\.\d+ within 0\.3 s/);
    const faults = (failure as { faults: { action: string }[] }).faults;
    expect(faults.at(-1)!.action).toMatch(/no device is left/);
  });

  it('retires a device that reports itself lost at its first failure', async () => {
    const { job: batchJob, grid } = job();
    const lost = new PacedDevice('lost', 1, 0.0002, null, null, 2);
    const healthy = new PacedDevice('healthy', 1, 0.0002);
    const result = await scheduleTiles([lost, healthy], batchJob, grid, { probeBytes: 64 });
    expect(result.faults).toHaveLength(1);
    expect(result.devices[0]!.retired).toBe('lost: injected loss');
    expect(result.devices.reduce((sum, d) => sum + d.tiles, 0)).toBe(grid.count);
  });
});
