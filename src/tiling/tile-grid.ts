import { UsageError } from '../errors.js';
import type { Tile } from './tile.js';

/**
 * A regular grid of tiles over a height x width array. Edge tiles are smaller when the array is
 * not a multiple of the tile size; a tile larger than the array is clipped to it.
 */
export interface TileGrid {
  readonly arrayHeight: number;
  readonly arrayWidth: number;
  readonly tileHeight: number;
  readonly tileWidth: number;
  readonly rows: number;
  readonly cols: number;
  readonly count: number;
  readonly halo: number;
}

export function makeTileGrid(
  arrayHeight: number,
  arrayWidth: number,
  tileHeight: number,
  tileWidth: number = tileHeight,
  halo = 0,
): TileGrid {
  for (const [name, value] of [
    ['tile height', tileHeight],
    ['tile width', tileWidth],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new UsageError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (!Number.isSafeInteger(halo) || halo < 0) {
    throw new UsageError(`halo must be a non-negative integer, got ${halo}`);
  }
  const clippedHeight = Math.min(tileHeight, arrayHeight);
  const clippedWidth = Math.min(tileWidth, arrayWidth);
  const rows = Math.ceil(arrayHeight / clippedHeight);
  const cols = Math.ceil(arrayWidth / clippedWidth);
  return {
    arrayHeight,
    arrayWidth,
    tileHeight: clippedHeight,
    tileWidth: clippedWidth,
    rows,
    cols,
    count: rows * cols,
    halo,
  };
}

export function tileAt(grid: TileGrid, index: number): Tile {
  if (!Number.isSafeInteger(index) || index < 0 || index >= grid.count) {
    throw new RangeError(`tile index ${index} outside 0..${grid.count - 1}`);
  }
  const row = Math.floor(index / grid.cols);
  const col = index - row * grid.cols;
  const y = row * grid.tileHeight;
  const x = col * grid.tileWidth;
  return {
    index,
    row,
    col,
    y,
    x,
    height: Math.min(grid.tileHeight, grid.arrayHeight - y),
    width: Math.min(grid.tileWidth, grid.arrayWidth - x),
    halo: grid.halo,
  };
}

/** Tiles first .. first+count-1 in index order. */
export function tileRange(grid: TileGrid, first: number, count: number): Tile[] {
  const tiles: Tile[] = [];
  for (let index = first; index < first + count; index++) tiles.push(tileAt(grid, index));
  return tiles;
}
