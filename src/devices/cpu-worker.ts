/**
 * Piscina worker: runs a kernel's CPU implementation over a batch of tile descriptors. The input
 * (and a map's output) arrive as SharedArrayBuffers, so no tile data is copied between threads:
 * a map kernel writes its tiles' output regions straight into the shared output.
 */
import { resolveKernelRef, type KernelRef } from '../../kernels/load-module.js';
import type { ArrayView } from '../array/array-view.js';
import type { Tile } from '../tiling/tile.js';

export interface CpuBatchTask {
  kernel: KernelRef;
  view: ArrayView;
  tiles: Tile[];
  params: unknown;
  out?: ArrayView;
}

export default async function runCpuBatch(task: CpuBatchTask): Promise<unknown[]> {
  const kernel = await resolveKernelRef(task.kernel);
  if (kernel.kind === 'reduction') return kernel.cpu(task.view, task.tiles, task.params);
  if (!task.out) throw new Error(`map kernel ${kernel.name} was sent without an output array`);
  kernel.cpu(task.view, task.tiles, task.params, task.out);
  return task.tiles.map(() => null);
}
