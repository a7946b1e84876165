import { describe, expect, it } from 'vitest';
import { histogramKernel } from '../../kernels/histogram/kernel.js';
import type { HistogramPartial } from '../../kernels/histogram/partial.js';
import { tileStatsKernel } from '../../kernels/tile-stats/kernel.js';
import type { TileStatsParams } from '../../kernels/tile-stats/params.js';
import type { TileStatsPartial } from '../../kernels/tile-stats/partial.js';
import { DTYPE_INFO } from '../../src/array/dtype.js';
import { stitchPartials } from '../../src/stitch/stitch.js';
import { makeTileGrid, tileRange } from '../../src/tiling/tile-grid.js';
import { awkwardCases } from '../support/awkward-arrays.js';

/**
 * A kernel's mergeAll (every partial at once) must give exactly what the pairwise tree of its
 * merge gives: the stitch takes it instead of the tree wherever it answers.
 */
const paramsFor = (dtype: 'u8' | 'u16' | 'f32', bins: number): TileStatsParams => ({
  bins,
  range: dtype === 'f32' ? { lo: -3, hi: 7.5 } : dtype === 'u8' ? { lo: 0, hi: 255 } : { lo: 100, hi: 60000 },
});

describe('mergeAll against the tree of merges', () => {
  for (const testCase of awkwardCases()) {
    const { view } = testCase;
    const isInteger = DTYPE_INFO[view.dtype].isInteger;
    // The case's own tile and smaller ones, so there are many partials (256 of 16x16 tiles of 65535s: 64-bit sums).
    for (const tile of [...new Set([testCase.tile, Math.max(1, testCase.tile >> 4)])]) {
      const tiles = tileRange(makeTileGrid(view.height, view.width, tile), 0, makeTileGrid(view.height, view.width, tile).count);
      for (const bins of [0, 7, 256]) {
        it(`tile-stats, ${testCase.name}, tile ${tile}, ${bins} bins`, () => {
          const partials = tileStatsKernel.cpu(view, tiles, paramsFor(view.dtype, bins)) as TileStatsPartial[];
          const tree = stitchPartials(partials, tileStatsKernel.merge);
          const all = tileStatsKernel.mergeAll!(partials);
          if (!isInteger || partials.length < 2) {
            // Float moments depend on the merge order; one partial is its own answer.
            if (!isInteger) expect(all).toBeUndefined();
            expect(stitchPartials(partials, tileStatsKernel)).toEqual(tree);
            return;
          }
          expect(all).toEqual(tree);
          expect(stitchPartials(partials, tileStatsKernel)).toEqual(tree);
        });
        it(`histogram, ${testCase.name}, tile ${tile}, ${bins || 1} bins`, () => {
          const partials = histogramKernel.cpu(view, tiles, { ...paramsFor(view.dtype, bins || 1) }) as HistogramPartial[];
          expect(stitchPartials(partials, histogramKernel)).toEqual(stitchPartials(partials, histogramKernel.merge));
        });
      }
    }
  }

  it('leaves the partials it was given as they were (they are the run’s per-tile results)', () => {
    const testCase = awkwardCases().find((c) => c.view.dtype === 'u16')!;
    const tiles = tileRange(makeTileGrid(testCase.view.height, testCase.view.width, 8), 0, makeTileGrid(testCase.view.height, testCase.view.width, 8).count);
    const partials = tileStatsKernel.cpu(testCase.view, tiles, paramsFor('u16', 16)) as TileStatsPartial[];
    const before = structuredClone(partials);
    stitchPartials(partials, tileStatsKernel);
    expect(partials).toEqual(before);
  });
});
