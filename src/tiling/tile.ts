/**
 * A tile is a descriptor into an ArrayView, never a copy: its core (the elements it owns and
 * whose results it produces) and a halo (neighbouring rows/columns a stencil may read).
 */
export interface Tile {
  /** Position in row-major tile order; results are keyed and stitched by it. */
  readonly index: number;
  readonly row: number;
  readonly col: number;
  /** Core region: rows y .. y+height-1, columns x .. x+width-1. */
  readonly y: number;
  readonly x: number;
  readonly height: number;
  readonly width: number;
  /** Halo depth in elements on every side (0 for reductions). */
  readonly halo: number;
}

/** A rectangle in array coordinates, end-exclusive. */
export interface Region {
  readonly y0: number;
  readonly x0: number;
  readonly y1: number;
  readonly x1: number;
}

export function coreRegion(tile: Tile): Region {
  return { y0: tile.y, x0: tile.x, y1: tile.y + tile.height, x1: tile.x + tile.width };
}

/**
 * The core grown by the halo and clipped to the array. The parts of the halo outside the array
 * are produced by the kernel's boundary mode (reflect, nearest, constant, periodic), not read.
 */
export function haloRegion(tile: Tile, arrayHeight: number, arrayWidth: number): Region {
  return {
    y0: Math.max(0, tile.y - tile.halo),
    x0: Math.max(0, tile.x - tile.halo),
    y1: Math.min(arrayHeight, tile.y + tile.height + tile.halo),
    x1: Math.min(arrayWidth, tile.x + tile.width + tile.halo),
  };
}
