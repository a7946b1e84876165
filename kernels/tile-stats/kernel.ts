import type { ArrayView } from '../../src/array/array-view.js';
import { DTYPE_INFO } from '../../src/array/dtype.js';
import type { ReductionKernel } from '../types.js';
import { tileStatsCpu } from './cpu.js';
import { tileStatsWasm } from './cpu-wasm.js';
import { withWasm } from '../wasm/choice.js';
import { DEFAULT_BINS, MAX_BINS, validateTileStatsParams, type TileStatsParams } from './params.js';
import { finiteRangeOf, mergeAllTileStats, mergeTileStats, type TileStatsPartial } from './partial.js';
import { tileStatsWebGpu } from './webgpu.js';
import { tileStatsGpuJs } from './gpujs.js';

/**
 * Per tile and channel: min, max, sum, sum of squares (so mean and standard deviation), NaN and
 * infinity counts for floats, and a histogram.
 */
export const tileStatsKernel: ReductionKernel<TileStatsParams, TileStatsPartial> = {
  name: 'tile-stats',
  kind: 'reduction',
  description: 'per-tile min, max, sum, sum of squares, mean, std, NaN count and histogram',
  params: [
    { name: 'bins', type: 'integer', min: 0, max: MAX_BINS, default: DEFAULT_BINS, description: 'histogram bins (0 for none)' },
    { name: 'range', type: 'range', description: "histogram range, inclusive (default: 0:255 for u8, else the data's min:max)" },
  ],
  tolerance:
    'integer data: bit-identical on every backend; f32: counts, min, max, NaN/Inf and histograms identical, sums within 2e-5 x sum|x|, std within 2e-5 x the RMS deviation from the tile\'s first finite value',
  halo: () => 0,
  validateParams: (view, params) => validateTileStatsParams(view.dtype, params),

  async prepare(view: ArrayView, params: TileStatsParams, reduce) {
    if (params.bins === 0 || params.range !== null) return params;
    if (view.dtype === 'u8') return { ...params, range: { lo: 0, hi: 255 } };
    // The histogram spans the data's range: a first pass without histogram finds it.
    const range = finiteRangeOf(await reduce(tileStatsKernel, { bins: 0, range: null }));
    // No finite value at all: any range will do; every value lands in below/above or nowhere.
    return { ...params, range: range ?? { lo: 0, hi: DTYPE_INFO[view.dtype].isInteger ? 0 : 1 } };
  },

  // Per channel: the histogram plus about 200 bytes of numbers and object overhead.
  partialBytes: (view, params) => view.channels * (params.bins * 4 + 200),
  // WebAssembly SIMD where it loads (TILERUN_CPU_IMPL, kernels/wasm/choice.ts), else the reference.
  cpu: withWasm(tileStatsWasm, tileStatsCpu),
  webgpu: tileStatsWebGpu,
  gpujs: tileStatsGpuJs,
  merge: mergeTileStats,
  mergeAll: mergeAllTileStats,
};
