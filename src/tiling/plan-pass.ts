import type { AnyKernel, OutputShape } from '../../kernels/types.js';
import type { ArrayView } from '../array/array-view.js';
import { DTYPE_INFO } from '../array/dtype.js';
import type { Device } from '../devices/device.js';
import { UsageError } from '../errors.js';
import { checkOutputShape } from '../array/output-shape.js';
import { checkTileSize, fitTileSize } from './fit-tile-size.js';

export interface PassPlan {
  halo: number;
  /** Map kernels: the output the pass fills. */
  shape: OutputShape | undefined;
  tileEdge: number;
}

/**
 * Halo, output shape and tile edge of a pass of `kernel` with `params` over `view`, checked
 * against the devices' limits and against `tile` when the user gave one.
 */
export function planPass(kernel: AnyKernel, view: ArrayView, params: unknown, devices: readonly Device[], tile?: number): PassPlan {
  const halo = kernel.halo(view, params);
  if (!Number.isSafeInteger(halo) || halo < 0) throw new UsageError(`kernel ${kernel.name} declares halo ${halo}: it must be a non-negative integer`);
  const shape = kernel.kind === 'map' ? kernel.output(view, params) : undefined;
  if (shape) checkOutputShape(kernel, view, shape);
  const factor = shape?.factor ?? 1;
  const rowBytes = view.width * view.channels * DTYPE_INFO[view.dtype].bytesPerElement;
  const constraints = {
    // Gathered (halo) bands pad each row to whole words.
    rowBytes: halo > 0 ? Math.ceil(rowBytes / 4) * 4 : rowBytes,
    halo,
    maxBandBytes: Math.min(...devices.map((device) => device.maxBandBytes)),
  };
  if (tile !== undefined) {
    checkTileSize(Math.min(tile, view.height), constraints);
    if (tile % factor !== 0) {
      throw new UsageError(`--tile ${tile} must be a multiple of ${kernel.name}'s factor ${factor}, so output blocks do not straddle tiles`);
    }
  }
  const fitted = fitTileSize(constraints);
  return { halo, shape, tileEdge: tile ?? Math.max(factor, fitted - (fitted % factor)) };
}
