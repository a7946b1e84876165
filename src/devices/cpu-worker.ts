/**
 * Piscina worker: runs a kernel's CPU implementation over a batch of tile descriptors. The input
 * (and a map's output) arrive as SharedArrayBuffers, so no tile data is copied between threads:
 * a map kernel writes its tiles' output regions straight into the shared output.
 */
import { resolveKernelRef, type KernelRef } from '../../kernels/load-module.js';
import type { ArrayView } from '../array/array-view.js';
import type { Tile } from '../tiling/tile.js';
import { performance } from 'node:perf_hooks';
import { Piscina, transferableSymbol, valueSymbol } from 'piscina';
import { packTypedArrays, type PackedValue } from './typed-array-pack.js';

export interface CpuBatchTask {
  kernel: KernelRef;
  view: ArrayView;
  tiles: Tile[];
  params: unknown;
  out?: ArrayView;
}

/**
 * The batch's results (their typed arrays packed into one transferred buffer) and the seconds the
 * kernel itself took (the rest of a task's time is messaging).
 */
export interface CpuBatchResult {
  results: PackedValue;
  computeSeconds: number;
}

export default async function runCpuBatch(task: CpuBatchTask): Promise<CpuBatchResult> {
  const kernel = await resolveKernelRef(task.kernel);
  const start = performance.now();
  let results: unknown[];
  if (kernel.kind === 'reduction') results = kernel.cpu(task.view, task.tiles, task.params);
  else {
    if (!task.out) throw new Error(`map kernel ${kernel.name} was sent without an output array`);
    kernel.cpu(task.view, task.tiles, task.params, task.out);
    results = task.tiles.map(() => null);
  }
  const computeSeconds = (performance.now() - start) / 1000;
  const packed = packTypedArrays(results);
  const reply: CpuBatchResult = { results: packed, computeSeconds };
  if (packed.buffer === null) return reply;
  // Piscina transfers what a task returns through Piscina.move instead of copying it.
  return Piscina.move({ [transferableSymbol]: [packed.buffer], [valueSymbol]: reply }) as unknown as CpuBatchResult;
}
