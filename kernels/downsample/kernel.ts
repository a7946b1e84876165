import type { MapKernel } from '../types.js';
import { downsampleCpu } from './cpu.js';
import { downsampleWasm } from './cpu-wasm.js';
import { withWasm } from '../wasm/choice.js';
import { downsampleGpuJs } from './gpujs.js';
import { downsampleOutput } from './output.js';
import { DOWNSAMPLE_PARAM_SPECS, validateDownsampleParams, type DownsampleParams } from './params.js';
import { DOWNSAMPLE_TOLERANCE } from './tolerance.js';
import { downsampleWebGpu } from './webgpu.js';

/**
 * Block reduction by an integer factor: each output element is the mean, min or max of a
 * factor x factor block (partial at the right and bottom edges), NaN skipped.
 */
export const downsampleKernel: MapKernel<DownsampleParams> = {
  name: 'downsample',
  kind: 'map',
  description: 'block reduction by an integer factor (mean, min or max of each factor x factor block, NaN skipped)',
  params: DOWNSAMPLE_PARAM_SPECS,
  tolerance: DOWNSAMPLE_TOLERANCE,
  halo: () => 0,
  validateParams: validateDownsampleParams,
  output: downsampleOutput,
  // WebAssembly SIMD where it loads (TILERUN_CPU_IMPL, kernels/wasm/choice.ts), else the reference.
  cpu: withWasm(downsampleWasm, downsampleCpu),
  webgpu: downsampleWebGpu,
  gpujs: downsampleGpuJs,
};
