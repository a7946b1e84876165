import type { AnyReductionKernel } from '../../kernels/types.js';
import type { ArrayView } from '../array/array-view.js';
import type { Tile } from '../tiling/tile.js';

export type DeviceKind = 'cpu' | 'webgpu';
export const DEVICE_KINDS: readonly DeviceKind[] = ['cpu', 'webgpu'];

/** What a device says about itself (`tilerun devices` prints this). */
export interface DeviceInfo {
  /** Unique within a run, e.g. "cpu" or "webgpu:vulkan". */
  readonly id: string;
  readonly kind: DeviceKind;
  /** One line a person can read: "llvmpipe (Mesa 25.0.7) via Vulkan". */
  readonly description: string;
  /** Software adapters run on the same CPU cores as the worker pool. */
  readonly software: boolean;
  readonly backend?: string;
  readonly vendor?: string;
  readonly architecture?: string;
  readonly threads?: number;
  readonly limits?: Readonly<Record<string, number>>;
  readonly features?: readonly string[];
}

/** Everything a device needs to run batches of one job. */
export interface BatchJob {
  readonly kernel: AnyReductionKernel;
  readonly view: ArrayView;
  readonly params: unknown;
}

/**
 * One backend. The rest of tilerun never branches on which device it holds: it asks what a
 * device supports, hands it batches of tiles and gets one partial per tile back, in tile order.
 */
export interface Device {
  readonly info: DeviceInfo;
  /** Batches it can usefully have in flight at once (worker threads, GPU submissions). */
  readonly concurrency: number;
  /**
   * Largest number of bytes of whole array rows one tile (with its halo) may need: a GPU batch
   * uploads whole rows into one storage binding. Infinity where there is no such limit.
   */
  readonly maxBandBytes: number;
  supports(kernel: AnyReductionKernel): boolean;
  run(job: BatchJob, tiles: readonly Tile[]): Promise<unknown[]>;
  close(): Promise<void>;
}
