import { loadWgsl } from '../load-wgsl.js';
import { mapShaderSource, mapUniforms } from '../map-support/map-webgpu.js';
import type { WebGpuMapParts } from '../types.js';
import { downsampleExtra } from './extra.js';
import type { DownsampleParams } from './params.js';

/** One shader per input dtype and channel count; factor and reduction are uniforms. */
export const downsampleWebGpu: WebGpuMapParts<DownsampleParams> = {
  packedOutput: true,
  shaderKey: (view) => `downsample:${view.dtype}:${view.channels}`,
  shaderSource: (view, _params, workgroupSize) => mapShaderSource(view, workgroupSize, loadWgsl(import.meta.url, './downsample.wgsl')),
  uniforms: (view, params, band) => mapUniforms(view, band, 0, downsampleExtra(view, params)),
};
