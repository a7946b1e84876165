import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import { DTYPE_INFO, type ElementArray } from '../../src/array/dtype.js';
import type { Tile } from '../../src/tiling/tile.js';
import type { WasmArena } from './arena.js';
import type { WasmKernels } from './module.js';

/**
 * A module reads only its own memory, so an input in a plain SharedArrayBuffer has its rows copied
 * in (arrays in a shared WebAssembly memory are read in place instead: in-place.ts). A batch's
 * consecutive tiles of one tile row share their rows: they are staged together, `STAGE_BYTES` at a
 * time (the chunk stays in L2 while the kernel reads it), and a chunk spanning whole array rows is
 * one copy.
 */
export const STAGE_BYTES = 192 * 1024;

export interface TileBand {
  readonly y: number;
  readonly height: number;
  /** Columns x0 .. x1-1: the members side by side. */
  readonly x0: number;
  readonly x1: number;
  /** The tiles, with their positions in the batch. */
  readonly members: readonly { readonly tile: Tile; readonly index: number }[];
}

/** Groups a batch into bands: runs of tiles with the same rows, each starting where the last ended. */
export function tileBands(tiles: readonly Tile[]): TileBand[] {
  const bands: { y: number; height: number; x0: number; x1: number; members: { tile: Tile; index: number }[] }[] = [];
  tiles.forEach((tile, index) => {
    const last = bands[bands.length - 1];
    if (last && last.y === tile.y && last.height === tile.height && last.x1 === tile.x) {
      last.x1 = tile.x + tile.width;
      last.members.push({ tile, index });
    } else {
      bands.push({ y: tile.y, height: tile.height, x0: tile.x, x1: tile.x + tile.width, members: [{ tile, index }] });
    }
  });
  return bands;
}

/** Rows per chunk for rows of `rowBytes`: as many as fit STAGE_BYTES, at least one. */
export function chunkRows(rowBytes: number): number {
  return Math.max(1, Math.floor(STAGE_BYTES / rowBytes));
}

/**
 * Copies rows y0 .. y0+rows-1, columns x0 .. x1-1 of `view` (whose elements are `source`) to
 * `at`, rows packed ((x1 - x0) x channels elements each).
 */
export function stageRows(arena: WasmArena, view: ArrayView, source: ElementArray, y0: number, rows: number, x0: number, x1: number, at: number): void {
  const rowElements = (x1 - x0) * view.channels;
  const dest = arena.elements(view.dtype, at, rows * rowElements) as Uint8Array;
  const src = source as Uint8Array;
  const arrayRow = view.width * view.channels;
  if (x0 === 0 && x1 === view.width) {
    dest.set(src.subarray(y0 * arrayRow, (y0 + rows) * arrayRow));
    return;
  }
  for (let r = 0; r < rows; r++) {
    const start = (y0 + r) * arrayRow + x0 * view.channels;
    dest.set(src.subarray(start, start + rowElements), r * rowElements);
  }
}

/** Bytes of one staged row of columns x0 .. x1-1. */
export function stagedRowBytes(view: ArrayView, x0: number, x1: number): number {
  return (x1 - x0) * view.channels * DTYPE_INFO[view.dtype].bytesPerElement;
}

/**
 * Stages a band chunk by chunk and calls `visit` for each chunk: staged at `at`, `rows` rows of
 * `stride` elements (the band's columns x channels). Kernels over the array's own memory
 * (kernels/wasm/in-place.ts) visit the band where it lies instead: one visit, the array's stride.
 */
export function forEachStagedChunk(kernels: WasmKernels, view: ArrayView, band: TileBand, visit: (at: number, rows: number, stride: number) => void): void {
  if (kernels.inPlace !== undefined && kernels.inPlace === view.memory) {
    // The array is in this instance's memory: the whole band at once, rows the array's own stride apart.
    const rowElements = view.width * view.channels;
    const bytesPerElement = DTYPE_INFO[view.dtype].bytesPerElement;
    const rowsPerChunk = Math.min(chunkRows(stagedRowBytes(view, band.x0, band.x1)), band.height);
    for (let y = band.y; y < band.y + band.height; y += rowsPerChunk) {
      visit(view.byteOffset + (y * rowElements + band.x0 * view.channels) * bytesPerElement, Math.min(rowsPerChunk, band.y + band.height - y), rowElements);
    }
    return;
  }
  const rowBytes = stagedRowBytes(view, band.x0, band.x1);
  const rowsPerChunk = Math.min(chunkRows(rowBytes), band.height);
  const stage = kernels.arena.alloc(rowsPerChunk * rowBytes);
  const source = elementsOf(view);
  for (let y = band.y; y < band.y + band.height; y += rowsPerChunk) {
    const rows = Math.min(rowsPerChunk, band.y + band.height - y);
    stageRows(kernels.arena, view, source, y, rows, band.x0, band.x1, stage);
    visit(stage, rows, (band.x1 - band.x0) * view.channels);
  }
}

/** The inverse of stageRows: rows packed at `at` go to rows y0.. columns x0 .. x1-1 of `out`. */
export function unstageRows(arena: WasmArena, out: ArrayView, target: ElementArray, y0: number, rows: number, x0: number, x1: number, at: number): void {
  const rowElements = (x1 - x0) * out.channels;
  const src = arena.elements(out.dtype, at, rows * rowElements) as Uint8Array;
  const dest = target as Uint8Array;
  const arrayRow = out.width * out.channels;
  if (x0 === 0 && x1 === out.width) {
    dest.set(src, y0 * arrayRow);
    return;
  }
  for (let r = 0; r < rows; r++) dest.set(src.subarray(r * rowElements, (r + 1) * rowElements), (y0 + r) * arrayRow + x0 * out.channels);
}
