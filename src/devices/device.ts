import type { BoundaryMode } from '../../kernels/boundary.js';
import type { AnyKernel } from '../../kernels/types.js';
import type { ArrayView } from '../array/array-view.js';
import type { Tile } from '../tiling/tile.js';

export type DeviceKind = 'cpu' | 'webgpu' | 'gpujs';
export const DEVICE_KINDS: readonly DeviceKind[] = ['cpu', 'webgpu', 'gpujs'];

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
  readonly kernel: AnyKernel;
  readonly view: ArrayView;
  readonly params: unknown;
  /** The kernel's halo for these parameters (the grid's). */
  readonly halo: number;
  /** How a kernel with a halo sees outside the array. */
  readonly boundary?: BoundaryMode;
  /** Map kernels: the shared output array each tile writes its region of. */
  readonly out?: ArrayView;
}

/** The job of running `kernel` over `view`: its boundary rule taken from the kernel for these parameters. */
export function batchJob(kernel: AnyKernel, view: ArrayView, params: unknown, halo: number, out?: ArrayView): BatchJob {
  return {
    kernel,
    view,
    params,
    halo,
    ...(kernel.boundary ? { boundary: kernel.boundary(params) } : {}),
    ...(out ? { out } : {}),
  };
}

/** Where a batch's time went, filled in by devices that can tell. */
export interface BatchTiming {
  /** Seconds spent moving data: staging and upload, readback, messages to and from a worker thread. */
  transferSeconds: number;
}

/**
 * One backend. The rest of tilerun never branches on which device it holds: it asks what a
 * device supports, hands it batches of tiles and gets one partial (or output region) per tile back, in tile order.
 */
export interface Device {
  readonly info: DeviceInfo;
  /** Batches it can usefully have in flight at once (worker threads, GPU submissions). */
  readonly concurrency: number;
  /**
   * True where batches in flight share one engine and finish in order (a GPU queue): extra lanes
   * only overlap one batch's transfers with another's compute, so the scheduler models the device
   * as one queue. False or absent: each lane works alone (worker threads).
   */
  readonly sharedQueue?: boolean;
  /**
   * Largest number of bytes of whole array rows one tile (with its halo) may need: a GPU batch
   * uploads whole rows into one storage binding. Infinity where there is no such limit.
   */
  readonly maxBandBytes: number;
  supports(kernel: AnyKernel): boolean;
  /** Optional work before a pass starts (compiling its shader), so errors come before any tile runs. */
  prepare?(job: BatchJob): Promise<void>;
  /**
   * Runs one batch. Reductions: one partial per tile, in tile order. Maps: each tile's output
   * region is written into job.out and the result holds one null per tile.
   */
  run(job: BatchJob, tiles: readonly Tile[], timing?: BatchTiming): Promise<unknown[]>;
  /** Why the device can run nothing more (a lost GPU device), or null while it works. */
  lostReason?(): string | null;
  close(): Promise<void>;
}
