import { describe, expect, it } from 'vitest';
import { allocateArray } from '../../src/array/array-view.js';
import { bandOf } from '../../src/devices/webgpu.js';
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

  it('includes halos, clipped to the array', () => {
    const view = allocateArray('f32', 20, 4, 1);
    const grid = makeTileGrid(20, 4, 5, 4, 2);
    expect(bandOf(view, [tileAt(grid, 0)])).toMatchObject({ y0: 0, y1: 7 });
    expect(bandOf(view, [tileAt(grid, 3)])).toMatchObject({ y0: 13, y1: 20 });
  });
});
