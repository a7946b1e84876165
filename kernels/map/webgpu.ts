import { loadWgsl } from '../load-wgsl.js';
import { mapShaderSource, mapUniforms } from '../map-support/map-webgpu.js';
import type { WebGpuMapParts } from '../types.js';
import { mapExtra } from './extra.js';
import type { MapParams } from './params.js';

/**
 * One shader per input dtype and channel count (the prelude bakes those in); the op and its
 * numbers are uniforms, so switching ops compiles nothing.
 */
export const mapWebGpu: WebGpuMapParts<MapParams> = {
  packedOutput: true,
  shaderKey: (view) => `map:${view.dtype}:${view.channels}`,
  shaderSource: (view, _params, workgroupSize) => mapShaderSource(view, workgroupSize, loadWgsl(import.meta.url, './map.wgsl')),
  uniforms: (view, params, band) => mapUniforms(view, band, 0, mapExtra(view, params)),
};
