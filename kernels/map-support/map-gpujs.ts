import type { IKernelRunShortcut, KernelFunction } from 'gpu.js';
import type { ArrayView } from '../../src/array/array-view.js';
import { outputBlock, writeBlock } from '../../src/array/output-block.js';
import { bandAsFloat32 } from '../../src/devices/band.js';
import type { Tile } from '../../src/tiling/tile.js';
import { BOUNDARY_CODE, type BoundaryMode } from '../boundary.js';
import type { GpuJsContext, OutputShape } from '../types.js';

/**
 * What a map kernel gives runGpuJsMap. `fn` is a gpu.js kernel function computing one output
 * element; gpu.js calls it as fn(band, extra, info) with
 *   this.thread.x = output column * channels + channel, this.thread.y = output row - info[4],
 *   band:  the batch's input rows as f32, `width x channels` per row, halo rows included (rows
 *          outside the array already follow the boundary mode; constant rows hold the constant),
 *   extra: the kernel's numbers (at least one element),
 *   info:  [width, height, channels, band's first array row, first output row, factor, halo,
 *           boundary code (boundary.ts), constant value].
 * Columns outside the array are mapped by the kernel with the gpu.js function boundaryIndex(i, n,
 * mode) that this helper adds (same rules as boundary.ts).
 */
export interface GpuJsMapSpec {
  /** gpu.js kernels are built once per key. */
  readonly key: string;
  // gpu.js kernel functions take `this` from gpu.js; their shape is checked by gpu.js itself.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly fn: KernelFunction<any, any>;
  readonly halo: number;
  readonly boundary?: BoundaryMode;
  readonly shape: OutputShape;
  readonly extra?: readonly number[];
  /** Longest loop the kernel function runs (gpu.js GL backends need a bound). */
  readonly loopMaxIterations?: number;
}

/** boundary.ts's rule in the JS subset gpu.js transpiles (no switch, no closures). */
export function boundaryIndex(i: number, n: number, mode: number): number {
  if (i >= 0 && i < n) {
    return i;
  }
  if (mode === 2) {
    return -1;
  }
  if (mode === 1) {
    if (i < 0) {
      return 0;
    }
    return n - 1;
  }
  if (mode === 3) {
    return ((i % n) + n) % n;
  }
  const period = 2 * n;
  const j = ((i % period) + period) % period;
  if (j < n) {
    return j;
  }
  return period - 1 - j;
}

/**
 * Runs a batch of a map kernel on gpu.js: one kernel call computes every output row the batch's
 * tiles cover (full width), then each tile's block is written into `out` with the shared
 * conversion rule. Batches of whole tile rows (the scheduler's usual case) waste nothing.
 */
export function runGpuJsMap(context: GpuJsContext, view: ArrayView, tiles: readonly Tile[], out: ArrayView, spec: GpuJsMapSpec): void {
  const band = bandAsFloat32(view, tiles, spec.halo, spec.boundary);
  const f = spec.shape.factor;
  let outY0 = Number.POSITIVE_INFINITY;
  let outY1 = 0;
  for (const tile of tiles) {
    const block = outputBlock(tile, spec.shape);
    outY0 = Math.min(outY0, block.y);
    outY1 = Math.max(outY1, block.y + block.height);
  }
  const rowElements = spec.shape.width * view.channels;
  const kernel: IKernelRunShortcut = context.kernel(spec.key, (gpu) => {
    gpu.addFunction(boundaryIndex);
    return gpu
      .createKernel(spec.fn, { dynamicOutput: true, dynamicArguments: true, precision: 'single', tactic: 'precision' })
      .setLoopMaxIterations(spec.loopMaxIterations ?? 1024);
  });
  kernel.setOutput([rowElements, outY1 - outY0]);
  const info = [
    view.width,
    view.height,
    view.channels,
    band.y0,
    outY0,
    f,
    spec.halo,
    BOUNDARY_CODE[spec.boundary?.mode ?? 'nearest'],
    spec.boundary?.value ?? 0,
  ];
  const extra = spec.extra && spec.extra.length > 0 ? spec.extra : [0];
  const rows = kernel(band.data, Float32Array.from(extra), Float32Array.from(info)) as Float32Array[];
  for (const tile of tiles) {
    const block = outputBlock(tile, spec.shape);
    const values = new Float32Array(block.height * block.width * view.channels);
    for (let r = 0; r < block.height; r++) {
      const row = rows[block.y + r - outY0]!;
      values.set(row.subarray(block.x * view.channels, (block.x + block.width) * view.channels), r * block.width * view.channels);
    }
    writeBlock(out, block, values);
  }
}
