import type { DType } from './dtype.js';

/**
 * Rounds half to even, as WGSL's round() and numpy's rint do (Math.round rounds half up).
 * Every backend converts its results with the same rule, so integer outputs agree bit for bit
 * wherever the values before rounding agree.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The value an output element of `dtype` holds for a computed number: for integer dtypes NaN
 * becomes 0, values are rounded half to even and clamped to the dtype's range (so +Inf is the
 * maximum); f32 rounds to the nearest f32 (which typed-array stores do anyway).
 */
export function convertTo(dtype: DType, x: number): number {
  switch (dtype) {
    case 'u8':
      return x !== x ? 0 : x <= 0 ? 0 : x >= 255 ? 255 : roundHalfEven(x);
    case 'u16':
      return x !== x ? 0 : x <= 0 ? 0 : x >= 65535 ? 65535 : roundHalfEven(x);
    case 'f32':
      return Math.fround(x);
  }
}
