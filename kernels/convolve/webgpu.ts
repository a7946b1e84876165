import { loadWgsl } from '../load-wgsl.js';
import { mapShaderSource, mapUniforms } from '../map-support/map-webgpu.js';
import type { WebGpuMapParts } from '../types.js';
import { convolveHalo, gpuNumbers, type ConvolveParams } from './params.js';

/**
 * The WebGPU parts: convolve.wgsl on the shared map prelude. The weights travel in the uniform
 * block, so one pipeline per input dtype and channel count serves every matrix.
 */
export const convolveWebGpu: WebGpuMapParts<ConvolveParams> = {
  packedOutput: true,
  shaderKey: (view) => `convolve:${view.dtype}:${view.channels}`,
  shaderSource: (view, _params, workgroupSize) => mapShaderSource(view, workgroupSize, loadWgsl(import.meta.url, './convolve.wgsl')),
  uniforms: (view, params, band) => mapUniforms(view, band, convolveHalo(params), gpuNumbers(params)),
};
