import type { AnyReductionKernel } from '../kernels/types.js';
import type { ArrayView } from './array/array-view.js';
import { DTYPE_INFO } from './array/dtype.js';
import type { Device } from './devices/device.js';
import { openDevices, type DeviceSelection } from './devices/select.js';
import { UsageError } from './errors.js';
import { scheduleTiles, type BatchRecord, type DeviceRecord } from './scheduler/scheduler.js';
import { stitchPartials } from './stitch/stitch.js';
import { checkTileSize, fitTileSize } from './tiling/fit-tile-size.js';
import { makeTileGrid, type TileGrid } from './tiling/tile-grid.js';

/** Per-tile results are kept in memory (and printed); a run whose results exceed this is refused. */
export const MAX_RESULT_BYTES = 2 ** 30;

export interface RunOptions {
  /** Devices to open (default auto); ignored when `devices` is given. */
  selection?: DeviceSelection;
  /** Already-open devices to use (the caller closes them). */
  devices?: readonly Device[];
  /** Square tile edge; fitted to the devices' limits when absent. */
  tile?: number;
  threads?: number;
  /** Called as batches finish; `pass` counts from 1 (a kernel may make a first pass). */
  onProgress?: (tilesDone: number, tilesTotal: number, bytesDone: number, pass: number) => void;
  targetBatchSeconds?: number;
}

export interface RunResult<Params = unknown, Partial = unknown> {
  kernel: string;
  /** Parameters every tile ran with (after any first pass). */
  params: Params;
  array: { dtype: string; height: number; width: number; channels: number; bytes: number };
  grid: TileGrid;
  /** One partial per tile, in tile order. */
  partials: Partial[];
  /** All partials stitched. */
  whole: Partial;
  devices: DeviceRecord[];
  batches: BatchRecord[];
  /** Passes over the data (2 when a first pass found a histogram range). */
  passes: number;
  seconds: number;
  notes: string[];
}

/**
 * The one library entry point: runs a reduction kernel over every tile of `view` on the chosen
 * devices and stitches the answer.
 */
export async function runKernel<Params, Partial>(
  kernel: AnyReductionKernel,
  view: ArrayView,
  userParams: Params,
  options: RunOptions = {},
): Promise<RunResult<Params, Partial>> {
  kernel.validateParams(view, userParams);
  const opened = options.devices
    ? { devices: [...options.devices], notes: [] }
    : await openDevices(options.selection ?? { auto: true, kinds: [] }, {
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      });
  const ownsDevices = !options.devices;
  try {
    const devices = opened.devices.filter((device) => device.supports(kernel));
    if (devices.length === 0) {
      throw new UsageError(
        `none of the chosen devices (${opened.devices.map((d) => d.info.id).join(', ') || 'none'}) can run kernel ${kernel.name}`,
      );
    }
    const bytesPerElement = DTYPE_INFO[view.dtype].bytesPerElement;
    const constraints = {
      rowBytes: view.width * view.channels * bytesPerElement,
      halo: kernel.halo,
      maxBandBytes: Math.min(...devices.map((device) => device.maxBandBytes)),
    };
    if (options.tile !== undefined) checkTileSize(Math.min(options.tile, view.height), constraints);
    const tileEdge = options.tile ?? fitTileSize(constraints);
    const grid = makeTileGrid(view.height, view.width, tileEdge, tileEdge, kernel.halo);
    const resultBytes = grid.count * kernel.partialBytes(view, userParams);
    if (resultBytes > MAX_RESULT_BYTES) {
      throw new UsageError(
        `${grid.count} tiles of ${kernel.name} results would take about ${(resultBytes / 2 ** 30).toFixed(1)} GiB, more than the ${MAX_RESULT_BYTES / 2 ** 30} GiB tilerun keeps in memory: use a larger --tile or fewer --bins`,
      );
    }
    const started = performance.now();
    const scheduleOptions = {
      ...(options.targetBatchSeconds === undefined ? {} : { targetBatchSeconds: options.targetBatchSeconds }),
    };
    let passes = 0;
    const runPass = async (passParams: Params) => {
      passes++;
      const job = { kernel, view, params: passParams };
      const pass = passes;
      const onProgress = options.onProgress;
      const scheduled = await scheduleTiles(devices, job, grid, {
        ...scheduleOptions,
        ...(onProgress ? { onProgress: (done: number, total: number, bytes: number) => onProgress(done, total, bytes, pass) } : {}),
      });
      return { scheduled, whole: stitchPartials(scheduled.partials as Partial[], kernel.merge) };
    };
    const params: Params = kernel.prepare
      ? ((await kernel.prepare(view, userParams, async (p: Params) => (await runPass(p)).whole)) as Params)
      : userParams;
    const { scheduled, whole } = await runPass(params);
    return {
      kernel: kernel.name,
      params,
      array: {
        dtype: view.dtype,
        height: view.height,
        width: view.width,
        channels: view.channels,
        bytes: view.height * view.width * view.channels * bytesPerElement,
      },
      grid,
      partials: scheduled.partials as Partial[],
      whole,
      devices: scheduled.devices,
      batches: scheduled.batches,
      passes,
      seconds: (performance.now() - started) / 1000,
      notes: opened.notes,
    };
  } finally {
    if (ownsDevices) await Promise.allSettled(opened.devices.map((device) => device.close()));
  }
}

