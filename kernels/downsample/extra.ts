import type { ArrayView } from '../../src/array/array-view.js';
import { DTYPE_INFO } from '../../src/array/dtype.js';
import { downsampleDType, type DownsampleParams, type DownsampleReduction } from './params.js';

export const REDUCTION_CODE: Record<DownsampleReduction, number> = { mean: 0, min: 1, max: 2 };

/**
 * The numbers both GPU backends get (WGSL: param(i), gpu.js: extra[i]): 0 factor, 1 reduction
 * code, 2 1 where the output dtype is an integer (the mean is rounded on the GPU), 3 1 where the
 * input is integer data, then NaN, +Inf and -Inf (4-6), which gpu.js functions cannot write.
 */
export function downsampleExtra(view: ArrayView, params: DownsampleParams): number[] {
  return [
    params.factor,
    REDUCTION_CODE[params.reduce],
    DTYPE_INFO[downsampleDType(view, params)].isInteger ? 1 : 0,
    DTYPE_INFO[view.dtype].isInteger ? 1 : 0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ];
}
