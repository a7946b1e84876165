import type { Device } from '../devices/device.js';
import type { PerfModel } from './perf-model.js';
import type { WorkQueue } from './work-queue.js';

/** One batch slot of a device (a worker thread, a GPU submission in flight). */
export interface LaneState {
  busy: boolean;
  /** When the batch in flight is predicted to end (seconds on the scheduler's clock); `now` if unknown. */
  predictedFree: number;
  /** The batch in flight: when it was handed over and its bytes. */
  startedAt: number;
  bytes: number;
}

export interface DeviceState {
  readonly index: number;
  readonly device: Device;
  readonly model: PerfModel;
  alive: boolean;
  readonly lanes: LaneState[];
  /** The device is one queue (see Device.sharedQueue): its model is per batch of the queue, not per lane. */
  readonly sharedQueue: boolean;
  /** Shared queues: when the last batch handed to it is predicted to end. */
  predictedQueueEnd: number;
}

/** What a policy may look at when a lane asks for work. */
export interface SchedulerView {
  readonly now: number;
  readonly queue: WorkQueue;
  readonly devices: readonly DeviceState[];
  /** Mean bytes of a tile of this grid (edge tiles are smaller). */
  readonly bytesPerTile: number;
  readonly totalTiles: number;
  readonly totalLanes: number;
  readonly targetBatchSeconds: number;
  readonly probeBytes: number;
}

export type Decision =
  | {
      kind: 'run';
      /** Tiles to take. */
      count: number;
      /** Fresh tiles only from this range of tile indices (a static split's partition). */
      within?: { from: number; to: number };
      reason: string;
    }
  | { kind: 'wait'; reason: string };

/**
 * Decides, for a lane that is free, how many tiles it takes now, or that it should wait.
 * Policies are pure decisions over the view: the driver (scheduler.ts) owns the queue, the
 * devices and the clock, so the simulator runs the same driver and policies as a real run.
 */
export interface SchedulingPolicy {
  readonly name: string;
  decide(view: SchedulerView, device: number, lane: number): Decision;
}
