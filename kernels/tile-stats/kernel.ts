import type { ArrayView } from '../../src/array/array-view.js';
import { DTYPE_INFO } from '../../src/array/dtype.js';
import type { ReductionKernel } from '../types.js';
import { tileStatsCpu } from './cpu.js';
import { validateTileStatsParams, type TileStatsParams } from './params.js';
import { mergeTileStats, type TileStatsPartial } from './partial.js';
import { tileStatsWebGpu } from './webgpu.js';

/**
 * Per tile and channel: min, max, sum, sum of squares (so mean and standard deviation), NaN and
 * infinity counts for floats, and a histogram.
 */
export const tileStatsKernel: ReductionKernel<TileStatsParams, TileStatsPartial> = {
  name: 'tile-stats',
  description: 'per-tile min, max, sum, sum of squares, mean, std, NaN count and histogram',
  halo: 0,
  validateParams: (view, params) => validateTileStatsParams(view.dtype, params),

  async prepare(view: ArrayView, params: TileStatsParams, runPass) {
    if (params.bins === 0 || params.range !== null) return params;
    if (view.dtype === 'u8') return { ...params, range: { lo: 0, hi: 255 } };
    // The histogram spans the data's range: a first pass without histogram finds it.
    const whole = await runPass({ bins: 0, range: null });
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const channel of whole.channels) {
      if (Number.isNaN(channel.finiteMin)) continue;
      lo = Math.min(lo, channel.finiteMin);
      hi = Math.max(hi, channel.finiteMax);
    }
    if (lo > hi) {
      // No finite value at all: any range will do; every value lands in below/above or nowhere.
      lo = 0;
      hi = DTYPE_INFO[view.dtype].isInteger ? 0 : 1;
    }
    return { ...params, range: { lo, hi } };
  },

  // Per channel: the histogram plus about 200 bytes of numbers and object overhead.
  partialBytes: (view, params) => view.channels * (params.bins * 4 + 200),
  cpu: tileStatsCpu,
  webgpu: tileStatsWebGpu,
  merge: mergeTileStats,
};
