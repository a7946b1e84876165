import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTileSize, fitTileSize } from '../../src/tiling/fit-tile-size.js';
import { makeTileGrid, tileAt, tileRange } from '../../src/tiling/tile-grid.js';
import { coreRegion, haloRegion } from '../../src/tiling/tile.js';

describe('tile grid', () => {
  it('covers every element by exactly one tile core, for any shape and tile size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 90 }),
        (height, width, tileHeight, tileWidth) => {
          const grid = makeTileGrid(height, width, tileHeight, tileWidth);
          const owners = new Int32Array(height * width);
          for (const tile of tileRange(grid, 0, grid.count)) {
            const core = coreRegion(tile);
            expect(tile.height).toBeGreaterThan(0);
            expect(tile.width).toBeGreaterThan(0);
            for (let y = core.y0; y < core.y1; y++) for (let x = core.x0; x < core.x1; x++) owners[y * width + x]!++;
          }
          expect(owners.every((count) => count === 1)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('numbers tiles row-major and keeps edge tiles inside the array', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 600 }), (h, w, t) => {
        const grid = makeTileGrid(h, w, t);
        expect(grid.count).toBe(Math.ceil(h / Math.min(t, h)) * Math.ceil(w / Math.min(t, w)));
        const last = tileAt(grid, grid.count - 1);
        expect(last.y + last.height).toBe(h);
        expect(last.x + last.width).toBe(w);
        const first = tileAt(grid, 0);
        expect([first.row, first.col, first.y, first.x]).toEqual([0, 0, 0, 0]);
      }),
    );
  });

  it('clips a tile larger than the array to the array (one tile)', () => {
    const grid = makeTileGrid(3, 5, 512);
    expect(grid.count).toBe(1);
    expect(tileAt(grid, 0)).toMatchObject({ y: 0, x: 0, height: 3, width: 5 });
  });

  it('makes 1x1 tiles', () => {
    const grid = makeTileGrid(4, 3, 1);
    expect(grid.count).toBe(12);
    expect(tileAt(grid, 5)).toMatchObject({ row: 1, col: 2, y: 1, x: 2, height: 1, width: 1 });
  });

  it('grows halos and clips them to the array', () => {
    const grid = makeTileGrid(10, 10, 4, 4, 2);
    expect(haloRegion(tileAt(grid, 0), 10, 10)).toEqual({ y0: 0, x0: 0, y1: 6, x1: 6 });
    expect(haloRegion(tileAt(grid, 4), 10, 10)).toEqual({ y0: 2, x0: 2, y1: 10, x1: 10 });
    expect(haloRegion(tileAt(grid, 8), 10, 10)).toEqual({ y0: 6, x0: 6, y1: 10, x1: 10 });
  });

  it('rejects tile sizes and halos that are not positive integers, naming the problem', () => {
    expect(() => makeTileGrid(10, 10, 0)).toThrow(/tile height must be a positive integer, got 0/);
    expect(() => makeTileGrid(10, 10, 2.5)).toThrow(/positive integer/);
    expect(() => makeTileGrid(10, 10, 4, 4, -1)).toThrow(/halo must be a non-negative integer/);
    expect(() => tileAt(makeTileGrid(4, 4, 2), 4)).toThrow(RangeError);
  });
});

describe('fitTileSize', () => {
  it('keeps 512 when its rows fit, and halves until whole tile rows fit the device limit', () => {
    expect(fitTileSize({ rowBytes: 8192, halo: 0, maxBandBytes: 128 << 20 })).toBe(512);
    // 70000 f32 columns: 280000-byte rows; 128 MiB holds 479 of them.
    expect(fitTileSize({ rowBytes: 280000, halo: 0, maxBandBytes: 128 << 20 })).toBe(256);
    expect(fitTileSize({ rowBytes: 1 << 20, halo: 8, maxBandBytes: 128 << 20 })).toBe(64);
    expect(fitTileSize({ rowBytes: 1000, halo: 0, maxBandBytes: 1000 })).toBe(1);
  });

  it('says when not even one row fits, and checks a chosen tile naming the largest that fits', () => {
    expect(() => fitTileSize({ rowBytes: 2000, halo: 0, maxBandBytes: 1000 })).toThrow(/too wide/);
    expect(() => checkTileSize(512, { rowBytes: 280000, halo: 0, maxBandBytes: 128 << 20 })).toThrow(/use --tile 479 or less/);
    expect(() => checkTileSize(256, { rowBytes: 280000, halo: 0, maxBandBytes: 128 << 20 })).not.toThrow();
  });
});
