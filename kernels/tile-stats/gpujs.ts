import type { GpuJsReductionParts } from '../types.js';
import { gpuJsSupport } from './gpujs-probe.js';
import { runTileStatsGpuJs } from './gpujs-run.js';
import type { TileStatsParams } from './params.js';
import type { TileStatsPartial } from './partial.js';

/**
 * tile-stats on gpu.js: the device's backend is checked once per dtype (gpujs-probe.ts), then each
 * batch runs the kernels of gpujs-kernels.ts over packed tile pieces (gpujs-run.ts). Integer
 * results are bit-identical to the CPU reference; f32 results follow the tolerances of webgpu.ts.
 */
export const tileStatsGpuJs: GpuJsReductionParts<TileStatsParams, TileStatsPartial> = {
  run: (context, view, tiles, params) => runTileStatsGpuJs(context, view, tiles, params, gpuJsSupport(context, view.dtype)),
};
