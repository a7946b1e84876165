import type { Band } from '../../kernels/types.js';
import { boundaryIndex, type BoundaryMode } from '../../kernels/boundary.js';
import type { ArrayView } from '../array/array-view.js';
import { DTYPE_INFO } from '../array/dtype.js';
import type { Tile } from '../tiling/tile.js';

/**
 * The rows a GPU batch uploads. Without a halo: the rows the tiles cover, one contiguous byte
 * range widened to 4-byte alignment. With a halo: the tiles' rows plus `halo` rows above and
 * below, gathered row by row under the boundary mode (so a tile at the top edge of a periodic
 * stencil gets the array's last rows), with rows padded to whole words.
 */
export function bandOf(view: ArrayView, tiles: readonly Tile[], halo = 0): Band {
  let y0 = Number.POSITIVE_INFINITY;
  let y1 = 0;
  for (const tile of tiles) {
    y0 = Math.min(y0, tile.y);
    y1 = Math.max(y1, tile.y + tile.height);
  }
  return halo === 0 ? bandOfRows(view, y0, y1) : gatheredBand(view, y0 - halo, y1 + halo);
}

/** Rows y0 .. y1-1 as a contiguous upload band, widened to 4-byte alignment. */
export function bandOfRows(view: ArrayView, y0: number, y1: number): Band {
  const rowBytes = rowBytesOf(view);
  const bytesPerElement = DTYPE_INFO[view.dtype].bytesPerElement;
  const start = y0 * rowBytes;
  const byteStart = Math.floor(start / 4) * 4;
  const byteEnd = Math.ceil((y1 * rowBytes) / 4) * 4;
  return { y0, y1, byteStart, byteEnd, headElements: (start - byteStart) / bytesPerElement };
}

/** Rows y0 .. y1-1 (which may lie outside the array) gathered one padded row after another. */
export function gatheredBand(view: ArrayView, y0: number, y1: number): Band {
  return { y0, y1, byteStart: 0, byteEnd: (y1 - y0) * paddedRowBytes(view), headElements: 0 };
}

function rowBytesOf(view: ArrayView): number {
  return view.width * view.channels * DTYPE_INFO[view.dtype].bytesPerElement;
}

/** A gathered band's row stride: whole u32 words, so a shader can index rows by words. */
export function paddedRowBytes(view: ArrayView): number {
  return Math.ceil(rowBytesOf(view) / 4) * 4;
}

/**
 * Copies a band's bytes into `target` (at least byteEnd - byteStart bytes). Gathered rows outside
 * the array take the row the boundary mode names; in constant mode they are zero and the kernel
 * substitutes its constant by the row's position.
 */
export function copyBand(view: ArrayView, band: Band, halo: number, boundary: BoundaryMode | undefined, target: Uint8Array): void {
  const source = new Uint8Array(view.buffer, view.byteOffset);
  if (halo === 0) {
    target.set(source.subarray(band.byteStart, band.byteEnd));
    return;
  }
  const rowBytes = rowBytesOf(view);
  const stride = paddedRowBytes(view);
  for (let y = band.y0; y < band.y1; y++) {
    const at = (y - band.y0) * stride;
    const row = boundaryIndex(y, view.height, boundary?.mode ?? 'nearest');
    if (row < 0) target.fill(0, at, at + stride);
    else {
      target.set(source.subarray(row * rowBytes, (row + 1) * rowBytes), at);
      target.fill(0, at + rowBytes, at + stride);
    }
  }
}

/**
 * A band as f32 elements, for backends that compute in floats (gpu.js): rows y0 .. y1-1 of the
 * tiles' cores plus `halo` rows above and below, `width x channels` elements per row. Rows outside
 * the array follow the boundary mode; in constant mode they hold the constant.
 */
export function bandAsFloat32(
  view: ArrayView,
  tiles: readonly Tile[],
  halo: number,
  boundary: BoundaryMode | undefined,
): { y0: number; y1: number; rowElements: number; data: Float32Array } {
  let y0 = Number.POSITIVE_INFINITY;
  let y1 = 0;
  for (const tile of tiles) {
    y0 = Math.min(y0, tile.y - halo);
    y1 = Math.max(y1, tile.y + tile.height + halo);
  }
  const rowElements = view.width * view.channels;
  const data = new Float32Array((y1 - y0) * rowElements);
  const source = DTYPE_INFO[view.dtype].construct(view.buffer, view.byteOffset, view.height * rowElements);
  for (let y = y0; y < y1; y++) {
    const row = halo === 0 ? y : boundaryIndex(y, view.height, boundary?.mode ?? 'nearest');
    const at = (y - y0) * rowElements;
    if (row < 0) data.fill(boundary?.value ?? 0, at, at + rowElements);
    else data.set(source.subarray(row * rowElements, (row + 1) * rowElements), at);
  }
  return { y0, y1, rowElements, data };
}
