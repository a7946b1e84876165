import type { ArrayView } from '../../src/array/array-view.js';
import type { DType } from '../../src/array/dtype.js';
import { UsageError } from '../../src/errors.js';
import type { ParamSpec } from '../params.js';

export const DOWNSAMPLE_REDUCTIONS = ['mean', 'min', 'max'] as const;
export type DownsampleReduction = (typeof DOWNSAMPLE_REDUCTIONS)[number];

export const DOWNSAMPLE_DTYPES = ['same', 'f32'] as const;

export const MIN_FACTOR = 2;
/** Blocks of at most 64 x 64: a u16 block sum (< 2^28) stays exact in u32 and in split f32 sums. */
export const MAX_FACTOR = 64;

export interface DownsampleParams {
  readonly factor: number;
  readonly reduce: DownsampleReduction;
  readonly dtype: (typeof DOWNSAMPLE_DTYPES)[number];
}

export const DOWNSAMPLE_PARAM_SPECS: readonly ParamSpec[] = [
  { name: 'factor', type: 'integer', min: MIN_FACTOR, max: MAX_FACTOR, default: 2, description: 'block edge: each output element reduces a factor x factor block' },
  { name: 'reduce', type: 'choice', choices: DOWNSAMPLE_REDUCTIONS, default: 'mean', description: 'how a block becomes one value (NaN skipped)' },
  { name: 'dtype', type: 'choice', choices: DOWNSAMPLE_DTYPES, default: 'same', description: 'output dtype (integer means round half to even)' },
];

export function validateDownsampleParams(_view: ArrayView, params: DownsampleParams): void {
  if (!Number.isSafeInteger(params.factor) || params.factor < MIN_FACTOR || params.factor > MAX_FACTOR) {
    throw new UsageError(`parameter factor must be an integer from ${MIN_FACTOR} to ${MAX_FACTOR}, got ${params.factor}`);
  }
  if (!(DOWNSAMPLE_REDUCTIONS as readonly string[]).includes(params.reduce)) {
    throw new UsageError(`parameter reduce must be one of ${DOWNSAMPLE_REDUCTIONS.join(', ')}, got '${String(params.reduce)}'`);
  }
  if (!(DOWNSAMPLE_DTYPES as readonly string[]).includes(params.dtype)) {
    throw new UsageError(`parameter dtype must be one of ${DOWNSAMPLE_DTYPES.join(', ')}, got '${String(params.dtype)}'`);
  }
}

export function downsampleDType(view: ArrayView, params: DownsampleParams): DType {
  return params.dtype === 'same' ? view.dtype : params.dtype;
}
