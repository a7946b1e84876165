import type { BatchJob, BatchTiming, Device, DeviceInfo } from '../../src/devices/device.js';
import { allocateArray } from '../../src/array/array-view.js';
import type { AnyKernel } from '../../kernels/types.js';
import { PerfModel } from '../../src/scheduler/perf-model.js';
import { VirtualClock } from '../../src/scheduler/simulate/virtual-clock.js';
import { makeTileGrid } from '../../src/tiling/tile-grid.js';
import type { Tile } from '../../src/tiling/tile.js';

/** A device in virtual time: `secondsPerTile` per tile, one lane each, failures by rule. */
export class VDevice implements Device {
  readonly info: DeviceInfo;
  readonly maxBandBytes = Number.POSITIVE_INFINITY;
  readonly seen: number[] = [];
  runs = 0;
  lost: string | null = null;
  constructor(
    id: string,
    readonly concurrency: number,
    private readonly secondsPerTile: number,
    private readonly clock: VirtualClock,
    /** Throws when this returns a message for the batch (called before the batch's time passes). */
    private readonly fail: (tiles: readonly Tile[], run: number) => string | null = () => null,
    readonly sharedQueue = false,
  ) {
    this.info = { id, kind: 'cpu', description: id, software: false };
  }
  supports(): boolean {
    return true;
  }
  lostReason(): string | null {
    return this.lost;
  }
  async run(_job: BatchJob, tiles: readonly Tile[], _timing?: BatchTiming): Promise<unknown[]> {
    const run = ++this.runs;
    await this.clock.sleep(tiles.length * this.secondsPerTile);
    const message = this.fail(tiles, run);
    if (message !== null) throw new Error(message);
    this.seen.push(...tiles.map((t) => t.index));
    return tiles.map((t) => t.index);
  }
  async close(): Promise<void> {}
}

export const fakeKernel = { name: 'virtual-fake', kind: 'reduction' } as unknown as AnyKernel;

/** 16x16 u8 array in 2x2 tiles: 64 tiles of 4 bytes. */
export function smallJob(size = 16, tile = 2): { job: BatchJob; grid: ReturnType<typeof makeTileGrid>; tileBytes: number } {
  const view = allocateArray('u8', size, size, 1);
  return { job: { kernel: fakeKernel, view, params: {}, halo: 0 }, grid: makeTileGrid(size, size, tile), tileBytes: tile * tile };
}

/** A model calibrated (as if loaded from the cache) for `secondsPerTile`, with no fixed cost. */
export function cachedModel(secondsPerTile: number, tileBytes: number): PerfModel {
  return new PerfModel({
    samples: [1, 2, 4, 8].map((n) => [n * tileBytes, n * secondsPerTile, 0] as [number, number, number]),
    observed: 4,
    updated: 'test',
  });
}
