import type { BatchJob } from '../devices/device.js';
import { DTYPE_INFO } from '../array/dtype.js';
import { outputBlock } from '../array/output-block.js';
import type { ArrayView } from '../array/array-view.js';
import type { Tile } from '../tiling/tile.js';

/**
 * The rows of input (and of a map's output) one page batch needs, so the page holds only those:
 * input rows inputY0 .. inputY1-1 and output rows outputY0 .. outputY1-1. The page sees them as an
 * array of their own, with the batch's tiles moved up by inputY0.
 *
 * Why a kernel gets the same answer on the rows alone: columns are whole, and the rows are the
 * tiles' rows plus their halo clipped to the array, so a tile's halo either lies inside them or
 * crosses the array's real top or bottom edge, which is also the sub-array's edge: reflect,
 * nearest and constant give the same rows there. Periodic does not (the top's halo is the array's
 * last rows): a periodic batch whose halo crosses an edge gets the whole array.
 */
export interface BatchRows {
  readonly inputY0: number;
  readonly inputY1: number;
  readonly outputY0: number;
  readonly outputY1: number;
  /** Input elements per output element (1 for reductions and element-wise maps). */
  readonly factor: number;
}

export function batchRows(job: Pick<BatchJob, 'kernel' | 'view' | 'params' | 'halo' | 'boundary' | 'out'>, tiles: readonly Tile[]): BatchRows {
  const { view, halo } = job;
  let y0 = Number.POSITIVE_INFINITY;
  let y1 = 0;
  for (const tile of tiles) {
    y0 = Math.min(y0, tile.y);
    y1 = Math.max(y1, tile.y + tile.height);
  }
  let inputY0 = Math.max(0, y0 - halo);
  let inputY1 = Math.min(view.height, y1 + halo);
  if (halo > 0 && job.boundary?.mode === 'periodic' && (y0 - halo < 0 || y1 + halo > view.height)) {
    inputY0 = 0;
    inputY1 = view.height;
  }
  const factor = job.kernel.kind === 'map' ? job.kernel.output(view, job.params).factor : 1;
  // Output blocks are the tiles' rows divided by the factor: the shift must be a multiple of it.
  inputY0 = Math.floor(inputY0 / factor) * factor;
  const outputY0 = inputY0 / factor;
  const outputY1 = job.out ? Math.min(job.out.height, Math.ceil(inputY1 / factor)) : outputY0;
  return { inputY0, inputY1, outputY0, outputY1, factor };
}

export function rowBytes(view: Pick<ArrayView, 'dtype' | 'width' | 'channels'>): number {
  return view.width * view.channels * DTYPE_INFO[view.dtype].bytesPerElement;
}

/** The input bytes the page fetches for a batch (a view of the shared array, no copy). */
export function inputBytes(view: ArrayView, rows: BatchRows): Uint8Array {
  const bytes = rowBytes(view);
  return new Uint8Array(view.buffer, view.byteOffset + rows.inputY0 * bytes, (rows.inputY1 - rows.inputY0) * bytes);
}

export function outputByteLength(out: ArrayView, rows: BatchRows): number {
  return (rows.outputY1 - rows.outputY0) * rowBytes(out);
}

/** The batch's tiles as the page sees them: moved up by the first row it holds. */
export function shiftTiles(tiles: readonly Tile[], rows: BatchRows): Tile[] {
  return tiles.map((tile) => ({ ...tile, y: tile.y - rows.inputY0 }));
}

/**
 * Copies each tile's output block from the rows the page sent back into the run's output. Only
 * the tiles' own blocks: the rest of those rows belong to tiles other devices are writing.
 */
export function copyOutputBlocks(out: ArrayView, rows: BatchRows, tiles: readonly Tile[], received: Uint8Array): void {
  const stride = rowBytes(out);
  const elementBytes = out.channels * DTYPE_INFO[out.dtype].bytesPerElement;
  const target = new Uint8Array(out.buffer, out.byteOffset, out.height * stride);
  for (const tile of tiles) {
    const block = outputBlock(tile, { factor: rows.factor, height: out.height, width: out.width });
    for (let r = 0; r < block.height; r++) {
      const from = (block.y - rows.outputY0 + r) * stride + block.x * elementBytes;
      target.set(received.subarray(from, from + block.width * elementBytes), (block.y + r) * stride + block.x * elementBytes);
    }
  }
}
