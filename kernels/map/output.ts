import type { ArrayView } from '../../src/array/array-view.js';
import type { OutputShape } from '../types.js';
import { outputDType, type MapParams } from './params.js';

/** Element-wise: the input's shape in the chosen dtype. */
export function mapOutput(view: ArrayView, params: MapParams): OutputShape {
  return { dtype: outputDType(view, params), height: view.height, width: view.width, channels: view.channels, factor: 1 };
}
