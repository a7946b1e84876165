import { DTYPE_INFO } from '../../array/dtype.js';
import type { BatchJob, BatchTiming, Device, DeviceInfo } from '../../devices/device.js';
import type { Tile } from '../../tiling/tile.js';
import type { PerfModel } from '../perf-model.js';
import type { VirtualClock } from './virtual-clock.js';

/**
 * A stand-in for a real device whose batches take exactly what its performance model predicts,
 * in virtual time: `tilerun plan` runs the real scheduler over these to predict a run without
 * running it. A shared queue (a GPU) runs its batches one after another, as the real one does.
 */
export class ModelDevice implements Device {
  readonly info: DeviceInfo;
  readonly concurrency: number;
  readonly sharedQueue: boolean;
  readonly maxBandBytes = Number.POSITIVE_INFINITY;
  private queueEnd = 0;

  constructor(
    real: Device,
    private readonly model: PerfModel,
    private readonly clock: VirtualClock,
  ) {
    this.info = real.info;
    this.concurrency = real.concurrency;
    this.sharedQueue = real.sharedQueue === true;
  }

  supports(): boolean {
    return true;
  }

  async run(job: BatchJob, tiles: readonly Tile[], timing?: BatchTiming): Promise<unknown[]> {
    const bytes = tiles.reduce((sum, tile) => sum + tile.width * tile.height, 0) * job.view.channels * DTYPE_INFO[job.view.dtype].bytesPerElement;
    const now = this.clock.now();
    const start = this.sharedQueue ? Math.max(now, this.queueEnd) : now;
    const end = start + this.model.predict(bytes);
    if (this.sharedQueue) this.queueEnd = end;
    await this.clock.sleep(end - now);
    if (timing) {
      const { transfer } = this.model.parts;
      timing.transferSeconds += transfer.intercept + transfer.slope * bytes;
    }
    return tiles.map(() => null);
  }

  async close(): Promise<void> {}
}
