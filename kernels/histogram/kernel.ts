import type { ArrayView } from '../../src/array/array-view.js';
import { tileStatsKernel } from '../tile-stats/kernel.js';
import type { ReductionKernel } from '../types.js';
import { histogramCpu } from './cpu.js';
import { histogramWasm } from './cpu-wasm.js';
import { withWasm } from '../wasm/choice.js';
import { histogramGpuJs } from './gpujs.js';
import { HISTOGRAM_PARAMS, validateHistogramParams, type HistogramParams } from './params.js';
import { mergeAllHistograms, mergeHistograms, type HistogramPartial } from './partial.js';
import { histogramWebGpu } from './webgpu.js';

/** Per tile and channel: counts per bin, and of values below the range, above it and NaN. */
export const histogramKernel: ReductionKernel<HistogramParams, HistogramPartial> = {
  name: 'histogram',
  kind: 'reduction',
  description: 'per-tile and whole-array histogram per channel, with below/above-range and NaN counts',
  params: HISTOGRAM_PARAMS,
  tolerance: 'counts identical on every backend (u8, u16 and f32: f32 values are binned in f32 on each)',
  halo: () => 0,
  validateParams: (view, params) => validateHistogramParams(view.dtype, params),

  async prepare(view: ArrayView, params: HistogramParams, reduce) {
    if (params.range !== null) return params;
    // tile-stats resolves its histogram range the same way (u8: 0:255, else a first pass for the
    // data's finite min:max), so both kernels bin alike by construction.
    const resolved = await tileStatsKernel.prepare!(view, { bins: params.bins, range: null }, reduce);
    return { bins: params.bins, range: resolved.range };
  },

  // Per channel: the counts as doubles plus about 100 bytes of numbers and object overhead.
  partialBytes: (view, params) => view.channels * (params.bins * 8 + 100),
  // WebAssembly SIMD where it loads (TILERUN_CPU_IMPL, kernels/wasm/choice.ts), else the reference.
  cpu: withWasm(histogramWasm, histogramCpu),
  webgpu: histogramWebGpu,
  gpujs: histogramGpuJs,
  merge: mergeHistograms,
  mergeAll: mergeAllHistograms,
};
