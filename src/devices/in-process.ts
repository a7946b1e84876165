import type { AnyKernel } from '../../kernels/types.js';
import type { Tile } from '../tiling/tile.js';
import type { BatchJob, Device, DeviceInfo } from './device.js';

/**
 * A kernel's CPU implementation called on the calling thread. The worker pool can only run
 * kernels its threads can find again (built-ins by name, modules by file); a kernel object made
 * elsewhere (a reduction a module builds for its first pass, a library user's own object) runs
 * here instead.
 */
export class InProcessCpuDevice implements Device {
  readonly info: DeviceInfo = {
    id: 'cpu:main-thread',
    kind: 'cpu',
    description: "the kernel's CPU implementation on the main thread",
    software: false,
    threads: 1,
  };
  readonly concurrency = 1;
  readonly maxBandBytes = Number.POSITIVE_INFINITY;

  supports(kernel: AnyKernel): boolean {
    return typeof kernel.cpu === 'function';
  }

  async run(job: BatchJob, tiles: readonly Tile[]): Promise<unknown[]> {
    // Yield first so other devices' lanes can start their batches before this thread is busy.
    await new Promise((resolve) => setImmediate(resolve));
    const { kernel } = job;
    if (kernel.kind === 'reduction') return kernel.cpu(job.view, tiles, job.params);
    kernel.cpu(job.view, tiles, job.params, job.out!);
    return tiles.map(() => null);
  }

  async close(): Promise<void> {}
}
