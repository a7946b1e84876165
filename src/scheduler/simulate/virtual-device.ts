import { DTYPE_INFO } from '../../array/dtype.js';
import type { BatchJob, BatchTiming, Device, DeviceInfo, DeviceKind } from '../../devices/device.js';
import { DeviceError } from '../../errors.js';
import type { Tile } from '../../tiling/tile.js';
import type { VirtualClock } from './virtual-clock.js';
import { noiseFactor, seededRandom } from './random.js';

/** A device of the simulator, described by what limits it. */
export interface VirtualDeviceSpec {
  id: string;
  kind: DeviceKind;
  /** Batches in flight (worker threads, GPU submissions). */
  lanes: number;
  /**
   * Compute bytes/s. `shared` (a GPU): one engine, batches in flight queue for it, overlapping
   * their transfers with each other's compute. Not shared (CPU threads): each lane computes alone at this rate.
   */
  computeBytesPerSecond: number;
  shared: boolean;
  /** Host-to-device bytes/s over one copy engine (a GPU's bus); absent where data is not moved. */
  transferBytesPerSecond?: number;
  /** Fixed seconds per batch (launch and readback, or a worker message). */
  latencySeconds: number;
  /** Relative spread of compute times, and the chance and factor of an outlier batch. */
  noise?: number;
  outlierChance?: number;
  outlierFactor?: number;
  /** From `at` seconds, compute runs at `factor` times its rate (thermal throttling, a co-tenant). */
  slowdown?: { at: number; factor: number };
  /** At this time the device is lost: batches in flight and later fail. */
  dieAt?: number;
  /** The batch in flight at each of these times fails (a kernel error, a reset); the device goes on. */
  failAt?: number[];
  /** What its datasheet says (bytes/s, all lanes): the static baseline splits by this. */
  nominalBytesPerSecond: number;
  seed?: number;
}

/** Seconds to compute `bytes` starting at `start` at `rate`, with an optional slowdown at a time. */
function computeSeconds(bytes: number, start: number, rate: number, slowdown?: { at: number; factor: number }): number {
  if (!slowdown || start + bytes / rate <= slowdown.at) return bytes / rate;
  const slowRate = rate * slowdown.factor;
  if (start >= slowdown.at) return bytes / slowRate;
  const before = slowdown.at - start;
  return before + (bytes - before * rate) / slowRate;
}

/**
 * A Device whose batches take virtual time computed from its spec: the scheduler cannot tell it
 * from a real one (it reports transfer time the way real devices do, fails the way a lost GPU
 * does), which is what lets the simulator test the real scheduler.
 */
export class VirtualDevice implements Device {
  readonly info: DeviceInfo;
  readonly concurrency: number;
  readonly sharedQueue: boolean;
  readonly maxBandBytes = Number.POSITIVE_INFINITY;
  private copyFree = 0;
  private computeFree = 0;
  private lost: string | null = null;
  private readonly random: () => number;

  constructor(
    readonly spec: VirtualDeviceSpec,
    private readonly clock: VirtualClock,
  ) {
    this.concurrency = spec.lanes;
    this.sharedQueue = spec.shared;
    this.info = { id: spec.id, kind: spec.kind, description: `virtual ${spec.id}`, software: false };
    this.random = seededRandom(spec.seed ?? 1);
  }

  supports(): boolean {
    return true;
  }

  lostReason(): string | null {
    return this.lost;
  }

  async run(job: BatchJob, tiles: readonly Tile[], timing?: BatchTiming): Promise<unknown[]> {
    const spec = this.spec;
    const start = this.clock.now();
    const bytes = tiles.reduce((sum, tile) => sum + tile.width * tile.height, 0) * job.view.channels * DTYPE_INFO[job.view.dtype].bytesPerElement;
    let computeStart = start;
    let transfer = 0;
    if (spec.transferBytesPerSecond !== undefined) {
      const uploadStart = Math.max(start, this.copyFree);
      const uploadEnd = uploadStart + bytes / spec.transferBytesPerSecond;
      this.copyFree = uploadEnd;
      transfer = uploadEnd - start;
      computeStart = uploadEnd;
    }
    if (spec.shared) computeStart = Math.max(computeStart, this.computeFree);
    let duration = computeSeconds(bytes, computeStart, spec.computeBytesPerSecond, spec.slowdown) * noiseFactor(this.random, spec.noise ?? 0);
    if (spec.outlierChance !== undefined && this.random() < spec.outlierChance) duration *= spec.outlierFactor ?? 5;
    const computeEnd = computeStart + duration;
    if (spec.shared) this.computeFree = computeEnd;
    const end = computeEnd + spec.latencySeconds;
    if (spec.dieAt !== undefined && end >= spec.dieAt) {
      await this.clock.sleep(Math.max(0, spec.dieAt - start) + spec.latencySeconds);
      this.lost = `virtual ${spec.id} died at ${spec.dieAt.toFixed(2)} s`;
      throw new DeviceError(`${spec.id} lost`);
    }
    await this.clock.sleep(end - start);
    const failure = spec.failAt?.find((t) => t >= start && t < end);
    if (failure !== undefined) throw new Error(`${spec.id}: batch failed at ${failure.toFixed(3)} s (injected)`);
    if (timing) timing.transferSeconds += transfer + spec.latencySeconds;
    return tiles.map((tile) => tile.index);
  }

  async close(): Promise<void> {}
}
