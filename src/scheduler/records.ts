import type { PerfModel } from './perf-model.js';

/** What a scheduled pass reports: per device, per batch and per fault (for --json, --trace, --explain). */

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
  /** Lanes (batches it may have in flight). */
  lanes: number;
  /** Whether its lanes share one queue (a GPU), see Device.sharedQueue. */
  sharedQueue: boolean;
  /** Batches that failed on it. */
  failures: number;
  /** Why it stopped taking work before the end, if it did. */
  retired: string | null;
  /** Times a free lane chose to wait (the others would finish the rest sooner), and the last reason. */
  waits: number;
  lastWaitReason: string | null;
  model: PerfModel;
}

/** One batch: the decision, and how it turned out. */
export interface BatchRecord {
  device: string;
  lane: number;
  firstTile: number;
  tileCount: number;
  bytes: number;
  /** Seconds since the run started. */
  start: number;
  seconds: number;
  /** Part of `seconds` the device spent moving data, where it can tell. */
  transferSeconds: number;
  /** What the device's model expected, or null while it was uncalibrated. */
  predictedSeconds: number | null;
  /** Why the policy chose this batch. */
  reason: string;
  /** 1 for a first run of these tiles, more for a retry. */
  attempt: number;
  /** Set when the batch failed (its tiles were queued again). */
  error?: string;
}

/** A failure the run survived (or, last, the one that ended it). */
export interface FaultRecord {
  device: string;
  firstTile: number;
  tileCount: number;
  attempt: number;
  message: string;
  /** Seconds since the run started. */
  at: number;
  /** What the scheduler did about it. */
  action: string;
}

export interface ScheduleResult {
  /** One partial per tile, indexed by tile index. */
  partials: unknown[];
  devices: DeviceRecord[];
  batches: BatchRecord[];
  faults: FaultRecord[];
  policy: string;
  seconds: number;
}
