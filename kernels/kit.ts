/**
 * What a user's kernel module may import (`import { convertTo } from 'tilerun/kernel-kit'`): the
 * rules every backend shares, so a module's CPU reference stores exactly what the GPU backends do.
 */
export { boundaryIndex, BOUNDARY_MODES, BOUNDARY_CODE } from './boundary.js';
export { convertTo, roundHalfEven } from '../src/array/convert.js';
export { elementsOf } from '../src/array/array-view.js';
export { outputBlock } from '../src/array/output-block.js';
export { mapShaderSource, mapUniforms } from './map-support/map-webgpu.js';
export { runGpuJsMap } from './map-support/map-gpujs.js';
