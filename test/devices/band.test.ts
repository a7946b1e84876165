import { describe, expect, it } from 'vitest';
import type { BoundaryName } from '../../kernels/boundary.js';
import { allocateArray, arrayFromElements } from '../../src/array/array-view.js';
import { bandOf, copyBand } from '../../src/devices/band.js';
import { makeTileGrid, tileAt, tileRange } from '../../src/tiling/tile-grid.js';

describe('bandOf: the rows a WebGPU batch uploads', () => {
  it('starts at a 4-byte boundary and counts the elements before the first row', () => {
    const view = allocateArray('u8', 10, 7, 1); // 7-byte rows: row 3 starts at byte 21
    const grid = makeTileGrid(10, 7, 3, 7);
    expect(bandOf(view, [tileAt(grid, 1)])).toEqual({ y0: 3, y1: 6, byteStart: 20, byteEnd: 44, headElements: 1 });
  });

  it('covers every row of a batch spanning tile rows, and no more', () => {
    const view = allocateArray('u16', 9, 5, 3);
    const grid = makeTileGrid(9, 5, 2);
    const band = bandOf(view, tileRange(grid, 2, 4)); // tiles in rows 0..1 of the grid
    expect([band.y0, band.y1]).toEqual([0, 4]);
    expect(band.byteEnd).toBe(4 * 5 * 3 * 2);
  });

  it('with a halo, gathers rows past the array edge (the boundary mode fills them)', () => {
    const view = allocateArray('u8', 20, 3, 1);
    const grid = makeTileGrid(20, 3, 5, 3, 2);
    // 3-byte rows are padded to 4 bytes each, so a shader can index rows by words.
    expect(bandOf(view, [tileAt(grid, 0)], 2)).toEqual({ y0: -2, y1: 7, byteStart: 0, byteEnd: 36, headElements: 0 });
    expect(bandOf(view, [tileAt(grid, 3)], 2)).toMatchObject({ y0: 13, y1: 22 });
  });

  it('copies gathered rows under each boundary mode', () => {
    const view = arrayFromElements('u8', 3, 1, 1, [10, 20, 30]);
    const grid = makeTileGrid(3, 1, 3, 1, 2);
    const band = bandOf(view, [tileAt(grid, 0)], 2);
    const rows = (mode: BoundaryName): number[] => {
      const target = new Uint8Array(band.byteEnd);
      copyBand(view, band, 2, { mode, value: 0 }, target);
      return Array.from({ length: 7 }, (_, r) => target[r * 4]!);
    };
    expect(rows('reflect')).toEqual([20, 10, 10, 20, 30, 30, 20]);
    expect(rows('nearest')).toEqual([10, 10, 10, 20, 30, 30, 30]);
    expect(rows('periodic')).toEqual([20, 30, 10, 20, 30, 10, 20]);
    expect(rows('constant')).toEqual([0, 0, 10, 20, 30, 0, 0]);
  });
});
