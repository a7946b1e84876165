import type { MapKernel } from '../types.js';
import { convolveCpu } from './cpu.js';
import { convolveWasm } from './cpu-wasm.js';
import { withWasm } from '../wasm/choice.js';
import { convolveGpuJs } from './gpujs.js';
import { CONVOLVE_PARAMS, convolveHalo, outputDType, validateConvolveParams, type ConvolveParams } from './params.js';
import { TOLERANCE } from './tolerance.js';
import { convolveWebGpu } from './webgpu.js';

/**
 * A 2-D stencil: each channel correlated with a weight matrix centred on every element
 * (scipy.ndimage.correlate: the matrix is not flipped), rows and columns outside the array given
 * by the boundary mode. See README.md for the parameters, the NaN/Inf rule and the tolerance.
 */
export const convolveKernel: MapKernel<ConvolveParams> = {
  name: 'convolve',
  kind: 'map',
  description: 'correlation with a weight matrix or a preset (box, gaussian, sobel, laplacian), per channel',
  params: CONVOLVE_PARAMS,
  tolerance: TOLERANCE,
  halo: (_view, params) => convolveHalo(params),
  boundary: (params) => ({ mode: params.boundary, value: params.value }),
  validateParams: (_view, params) => validateConvolveParams(params),
  output: (view, params) => ({ dtype: outputDType(params, view.dtype), height: view.height, width: view.width, channels: view.channels, factor: 1 }),
  // WebAssembly SIMD where it loads (TILERUN_CPU_IMPL, kernels/wasm/choice.ts), else the reference.
  cpu: withWasm(convolveWasm, convolveCpu),
  webgpu: convolveWebGpu,
  gpujs: convolveGpuJs,
};
