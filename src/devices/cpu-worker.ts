/**
 * Piscina worker: runs a kernel's CPU implementation over a batch of tile descriptors. The
 * array arrives as a SharedArrayBuffer, so no tile data is copied between threads.
 */
import { getKernel } from '../../kernels/index.js';
import type { ArrayView } from '../array/array-view.js';
import type { Tile } from '../tiling/tile.js';

export interface CpuBatchTask {
  kernel: string;
  view: ArrayView;
  tiles: Tile[];
  params: unknown;
}

export default function runCpuBatch(task: CpuBatchTask): unknown[] {
  return getKernel(task.kernel).cpu(task.view, task.tiles, task.params);
}
