import type { ArrayView } from '../../src/array/array-view.js';
import { DTYPE_INFO } from '../../src/array/dtype.js';
import type { Tile } from '../../src/tiling/tile.js';
import { MAX_CALL_ELEMENTS } from './gpujs-exact.js';

/**
 * How a batch of tiles is laid out for the gpu.js kernels. Tiles are cut into pieces of at most
 * `rows x cols` pixels; a call packs `pieces` such slots back to back in one Float32Array (slot
 * p, row r, column x, channel c at ((p * rows + r) * cols + x) * channels + c). Every slot has
 * the same shape, so a kernel finds its element from its thread ids with a few multiplications,
 * and a call never holds more than `maxElements` elements, which keeps every index exact in f32
 * (see gpujs-exact.ts). Only the tiles' own elements are copied, not whole rows of the array.
 */
export interface CallShape {
  /** Slots in the call, rounded up to a power of two so that few distinct sizes are compiled. */
  readonly pieces: number;
  readonly rows: number;
  readonly cols: number;
  readonly channels: number;
}

/** A rectangle of one tile: rows y .. y+rows-1 and columns x .. x+cols-1, relative to the tile. */
export interface Piece {
  /** Position of the tile in the batch. */
  readonly tile: number;
  readonly y: number;
  readonly x: number;
  readonly rows: number;
  readonly cols: number;
}

export interface Call {
  readonly shape: CallShape;
  /** The occupied slots, in order; slots past the end are padding. */
  readonly pieces: readonly Piece[];
}

export function callElements(shape: CallShape): number {
  return shape.pieces * shape.rows * shape.cols * shape.channels;
}

export function planCalls(tiles: readonly Tile[], channels: number, maxElements = MAX_CALL_ELEMENTS): Call[] {
  if (tiles.length === 0) return [];
  let tileRows = 1;
  let tileCols = 1;
  for (const tile of tiles) {
    tileRows = Math.max(tileRows, tile.height);
    tileCols = Math.max(tileCols, tile.width);
  }
  const cols = Math.max(1, Math.min(tileCols, Math.floor(maxElements / channels)));
  const rows = Math.max(1, Math.min(tileRows, Math.floor(maxElements / (cols * channels))));
  if (rows * cols * channels > maxElements) {
    throw new RangeError(`${channels} channels do not fit a gpu.js call of ${maxElements} elements`);
  }
  const perCall = Math.floor(maxElements / (rows * cols * channels));

  const pieces: Piece[] = [];
  tiles.forEach((tile, index) => {
    for (let y = 0; y < tile.height; y += rows) {
      for (let x = 0; x < tile.width; x += cols) {
        pieces.push({ tile: index, y, x, rows: Math.min(rows, tile.height - y), cols: Math.min(cols, tile.width - x) });
      }
    }
  });
  const calls: Call[] = [];
  for (let start = 0; start < pieces.length; start += perCall) {
    const group = pieces.slice(start, start + perCall);
    const slots = Math.min(perCall, 2 ** Math.ceil(Math.log2(group.length)));
    calls.push({ shape: { pieces: slots, rows, cols, channels }, pieces: group });
  }
  return calls;
}

/**
 * Copies a call's pieces out of the array into the packed f32 layout, in the start of `scratch`
 * when it is long enough. Padding is left as it was: the kernels' results for it are never read.
 */
export function gatherCall(view: ArrayView, tiles: readonly Tile[], call: Call, scratch?: Float32Array): Float32Array {
  const { rows, cols, channels } = call.shape;
  const length = callElements(call.shape);
  const packed = scratch && scratch.length >= length ? scratch.subarray(0, length) : new Float32Array(length);
  const source = DTYPE_INFO[view.dtype].construct(view.buffer, view.byteOffset, view.height * view.width * view.channels);
  call.pieces.forEach((piece, slot) => {
    const tile = tiles[piece.tile]!;
    const rowLength = piece.cols * channels;
    for (let r = 0; r < piece.rows; r++) {
      const from = ((tile.y + piece.y + r) * view.width + tile.x + piece.x) * channels;
      packed.set(source.subarray(from, from + rowLength), ((slot * rows + r) * cols) * channels);
    }
  });
  return packed;
}
