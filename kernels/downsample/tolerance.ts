import { DTYPE_INFO, type DType } from '../../src/array/dtype.js';
import type { DownsampleParams } from './params.js';

export const DOWNSAMPLE_TOLERANCE =
  'min, max: bit-identical on every backend; mean of u8/u16 to the same dtype: bit-identical (exact sums, rounded half to even); ' +
  'mean to f32: within 2^-21 x mean for u8/u16 data, within 2^-16 x mean(|x|) + 2^-110 over the block\'s finite values for f32 data ' +
  '(GPUs sum in f32); NaN and +-Inf results identical everywhere';

/** True where every output element must agree bit for bit. */
export function downsampleIsBitIdentical(outputDType: DType, params: DownsampleParams): boolean {
  return params.reduce !== 'mean' || DTYPE_INFO[outputDType].isInteger;
}

/**
 * The largest difference a finite mean may show against the CPU reference, given the block's
 * mean of |x| over its finite values (see DOWNSAMPLE_TOLERANCE).
 */
export function meanAllowedError(inputDType: DType, meanAbs: number): number {
  return DTYPE_INFO[inputDType].isInteger ? 2 ** -21 * meanAbs : 2 ** -16 * meanAbs + 2 ** -110;
}
