import type { ArrayView } from '../../src/array/array-view.js';
import type { OutputShape } from '../types.js';
import { downsampleDType, type DownsampleParams } from './params.js';

/** One element per factor x factor block; partial blocks at the right and bottom edges count. */
export function downsampleOutput(view: ArrayView, params: DownsampleParams): OutputShape {
  const f = params.factor;
  return {
    dtype: downsampleDType(view, params),
    height: Math.ceil(view.height / f),
    width: Math.ceil(view.width / f),
    channels: view.channels,
    factor: f,
  };
}
