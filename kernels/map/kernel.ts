import type { ArrayView } from '../../src/array/array-view.js';
import { tileStatsKernel } from '../tile-stats/kernel.js';
import { finiteRangeOf } from '../tile-stats/partial.js';
import type { MapKernel, ReduceWith } from '../types.js';
import { mapCpu } from './cpu.js';
import { mapGpuJs } from './gpujs.js';
import { mapOutput } from './output.js';
import { MAP_PARAM_SPECS, validateMapParams, type MapParams } from './params.js';
import { MAP_TOLERANCE } from './tolerance.js';
import { mapWebGpu } from './webgpu.js';

/**
 * Element-wise transforms chosen by name: affine, clamp, threshold, gamma and normalize (whose
 * input range, unless given, comes from a first tile-stats pass over the whole array).
 */
export const mapKernel: MapKernel<MapParams> = {
  name: 'map',
  kind: 'map',
  description: 'element-wise transforms: affine, clamp, threshold, gamma, normalize (min:max to lo:hi, a first pass finds min:max)',
  params: MAP_PARAM_SPECS,
  tolerance: MAP_TOLERANCE,
  halo: () => 0,
  validateParams: validateMapParams,
  output: mapOutput,

  async prepare(_view: ArrayView, params: MapParams, reduce: ReduceWith): Promise<MapParams> {
    if (params.op !== 'normalize' || params.range !== null) return params;
    // One range over every channel, so normalizing RGB keeps its colour balance. tile-stats'
    // finiteMin/finiteMax skip NaN and infinities (NaN for a channel with no finite value).
    const range = finiteRangeOf(await reduce(tileStatsKernel, { bins: 0, range: null }));
    // No finite value at all: only NaN (stays NaN) and infinities (go to hi or lo) remain, so any
    // empty range serves.
    return { ...params, range: range ?? { lo: 0, hi: 0 } };
  },

  cpu: mapCpu,
  webgpu: mapWebGpu,
  gpujs: mapGpuJs,
};
