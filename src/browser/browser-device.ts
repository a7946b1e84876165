import { kernelRef } from '../../kernels/load-module.js';
import type { AnyKernel } from '../../kernels/types.js';
import type { BatchJob, BatchTiming, Device, DeviceInfo, DeviceKind } from '../devices/device.js';
import { DeviceError } from '../errors.js';
import type { Tile } from '../tiling/tile.js';
import type { PageDevice } from './protocol.js';
import type { BrowserSession } from './session.js';

/**
 * A device in the browser page, as the Node scheduler sees it: the same Device interface, so the
 * one scheduler (with its performance models, retries and watchdog) drives page devices exactly
 * as it drives Node's. A batch's rows travel over loopback; results come back by POST.
 */
export class BrowserDevice implements Device {
  readonly info: DeviceInfo;
  readonly concurrency: number;
  readonly sharedQueue: boolean;
  readonly maxBandBytes: number;
  private readonly kind: DeviceKind;

  constructor(
    private readonly session: BrowserSession,
    page: PageDevice,
    private readonly release: () => Promise<void>,
  ) {
    this.kind = page.info.kind;
    this.info = { ...page.info, id: `browser:${page.info.kind}`, description: `${page.info.description} (in Chromium)` };
    this.concurrency = page.concurrency;
    this.sharedQueue = page.sharedQueue;
    this.maxBandBytes = page.maxBandBytes < 0 ? Number.POSITIVE_INFINITY : page.maxBandBytes;
    this.kernels = new Set(page.kernels);
  }

  private readonly kernels: Set<string>;

  /** The page bundles the built-in kernels only; a kernel module runs on Node's devices. */
  supports(kernel: AnyKernel): boolean {
    const ref = kernelRef(kernel);
    return ref !== null && 'name' in ref && this.kernels.has(kernel.name);
  }

  /**
   * Runs one small tile first, so a shader that does not compile in the page fails before the
   * pass and the first timed batch does not include the compile. Like GpuJsDevice.prepare, a
   * map's output it writes is written again by whichever device runs the real tile there.
   */
  async prepare(job: BatchJob): Promise<void> {
    const factor = job.kernel.kind === 'map' ? job.kernel.output(job.view, job.params).factor : 1;
    const probe: Tile = { index: 0, row: 0, col: 0, y: 0, x: 0, height: Math.min(job.view.height, 8 * factor), width: Math.min(job.view.width, 8 * factor), halo: job.halo };
    try {
      await this.session.run(this.kind, job, [probe]);
    } catch (error) {
      throw new DeviceError(`${this.info.id} could not run kernel ${job.kernel.name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  run(job: BatchJob, tiles: readonly Tile[], timing?: BatchTiming): Promise<unknown[]> {
    return this.session.run(this.kind, job, tiles, timing);
  }

  lostReason(): string | null {
    return this.session.lostReason();
  }

  close(): Promise<void> {
    return this.release();
  }
}
