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
 *   this.thread.x + info[9] = output column * channels + channel, this.thread.y = output row - info[4],
 *   band:  the batch's input rows as f32, `width x channels` per row, halo rows included (rows
 *          outside the array already follow the boundary mode; constant rows hold the constant),
 *   extra: the kernel's numbers (at least one element),
 *   info:  [width, height, channels, band's first array row, first output row, factor, halo,
 *           boundary code (boundary.ts), constant value, first output column x channels].
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
 * Runs a batch of a map kernel on gpu.js: one kernel call per tile row of the batch computes the
 * output columns its tiles cover, then each tile's block is written into `out` with the shared
 * conversion rule. (A call over whole rows would compute a wide array's other tiles for nothing.)
 */
export function runGpuJsMap(context: GpuJsContext, view: ArrayView, tiles: readonly Tile[], out: ArrayView, spec: GpuJsMapSpec): void {
  const kernel: IKernelRunShortcut = context.kernel(spec.key, (gpu) => {
    // Kernels call it by this name; a bundler (the browser page's) may have renamed the function
    // (kernels/boundary.ts exports another boundaryIndex), so its source is given under the name.
    // gpu.js takes a function's source as a string too (its typings only list functions).
    gpu.addFunction(boundaryIndex.toString().replace(/^function\s+[\w$]+/, 'function boundaryIndex') as unknown as typeof boundaryIndex);
    return gpu
      .createKernel(spec.fn, { dynamicOutput: true, dynamicArguments: true, precision: 'single', tactic: 'precision' })
      .setLoopMaxIterations(spec.loopMaxIterations ?? 1024);
  });
  const extra = Float32Array.from(spec.extra && spec.extra.length > 0 ? spec.extra : [0]);
  let start = 0;
  while (start < tiles.length) {
    let end = start + 1;
    while (end < tiles.length && tiles[end]!.y === tiles[start]!.y) end++;
    runTileRow(kernel, view, tiles.slice(start, end), out, spec, extra);
    start = end;
  }
}

/** One kernel call for tiles that share their rows. */
function runTileRow(kernel: IKernelRunShortcut, view: ArrayView, tiles: readonly Tile[], out: ArrayView, spec: GpuJsMapSpec, extra: Float32Array): void {
  const band = bandAsFloat32(view, tiles, spec.halo, spec.boundary);
  const blocks = tiles.map((tile) => outputBlock(tile, spec.shape));
  const outY0 = Math.min(...blocks.map((block) => block.y));
  const outY1 = Math.max(...blocks.map((block) => block.y + block.height));
  const outX0 = Math.min(...blocks.map((block) => block.x));
  const outX1 = Math.max(...blocks.map((block) => block.x + block.width));
  const channels = view.channels;
  kernel.setOutput([(outX1 - outX0) * channels, outY1 - outY0]);
  const info = Float32Array.from([
    view.width,
    view.height,
    channels,
    band.y0,
    outY0,
    spec.shape.factor,
    spec.halo,
    BOUNDARY_CODE[spec.boundary?.mode ?? 'nearest'],
    spec.boundary?.value ?? 0,
    outX0 * channels,
  ]);
  const rows = kernel(band.data, extra, info) as Float32Array[];
  for (const block of blocks) {
    const values = new Float32Array(block.height * block.width * channels);
    for (let r = 0; r < block.height; r++) {
      const row = rows[block.y + r - outY0]!;
      values.set(row.subarray((block.x - outX0) * channels, (block.x - outX0 + block.width) * channels), r * block.width * channels);
    }
    writeBlock(out, block, values);
  }
}
