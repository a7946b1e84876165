import { describe, expect, it } from 'vitest';
import { getKernel } from '../../kernels/index.js';
import { parseParams } from '../../kernels/params.js';
import { allocateArray, elementsOf } from '../../src/array/array-view.js';
import { batchRows, copyOutputBlocks, shiftTiles } from '../../src/browser/rows.js';
import { makeTileGrid, tileRange } from '../../src/tiling/tile-grid.js';

const view = allocateArray('u8', 100, 40, 1);
const convolve = getKernel('convolve');
const downsample = getKernel('downsample');

function convolveJob(boundary: string) {
  const params = parseParams('convolve', convolve.params, ['preset=box', 'size=5', `boundary=${boundary}`]);
  return { kernel: convolve, view, params, halo: 2, boundary: convolve.boundary!(params) };
}

describe('rows a page batch needs', () => {
  const grid = makeTileGrid(100, 40, 16, 16, 2);
  const middle = tileRange(grid, 9, 3); // tile row 3: rows 48..63

  it('takes the tiles\' rows plus the halo, clipped to the array', () => {
    expect(batchRows(convolveJob('reflect'), middle)).toMatchObject({ inputY0: 46, inputY1: 66 });
    expect(batchRows(convolveJob('reflect'), tileRange(grid, 0, 3))).toMatchObject({ inputY0: 0, inputY1: 18 });
    expect(batchRows(convolveJob('nearest'), tileRange(grid, grid.count - 3, 3))).toMatchObject({ inputY0: 94, inputY1: 100 });
  });

  it('takes the whole array for a periodic halo that crosses an edge, not for one inside', () => {
    expect(batchRows(convolveJob('periodic'), tileRange(grid, 0, 3))).toMatchObject({ inputY0: 0, inputY1: 100 });
    expect(batchRows(convolveJob('periodic'), middle)).toMatchObject({ inputY0: 46, inputY1: 66 });
  });

  it('shifts tiles and output rows by whole blocks of a downsample factor', () => {
    const params = parseParams('downsample', downsample.params, ['factor=3']);
    const out = allocateArray('u8', 34, 14, 1);
    const tiles = tileRange(makeTileGrid(100, 40, 18, 18, 0), 6, 3); // rows 36..53
    const rows = batchRows({ kernel: downsample, view, params, halo: 0, out }, tiles);
    expect(rows).toMatchObject({ inputY0: 36, inputY1: 54, outputY0: 12, outputY1: 18, factor: 3 });
    expect(shiftTiles(tiles, rows).map((tile) => tile.y)).toEqual([0, 0, 0]);
  });

  it('copies back only the batch\'s own tiles\' output blocks', () => {
    const out = allocateArray('u8', 100, 40, 1);
    elementsOf(out).fill(9);
    const tiles = tileRange(grid, 9, 1); // row 48..63, columns 0..15
    const rows = { inputY0: 46, inputY1: 66, outputY0: 46, outputY1: 66, factor: 1 };
    copyOutputBlocks(out, rows, tiles, new Uint8Array(20 * 40).fill(1));
    const elements = elementsOf(out);
    expect(elements[48 * 40 + 0]).toBe(1);
    expect(elements[63 * 40 + 15]).toBe(1);
    expect(elements[48 * 40 + 16]).toBe(9);
    expect(elements[47 * 40 + 0]).toBe(9);
    expect(elements[64 * 40 + 0]).toBe(9);
  });
});
