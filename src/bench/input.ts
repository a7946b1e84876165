import { allocateArray, elementsOf, type ArrayView } from '../array/array-view.js';
import { DTYPE_INFO, type DType } from '../array/dtype.js';

/**
 * The bench's generated input: a size x size single-channel array of pseudo-random values over
 * the dtype's range (f32: 0 .. 65536), the same sequence as bench/kernels.bench.ts, so histograms
 * fill every bin and no kernel gets an easy (constant) input.
 */
export function benchInput(dtype: DType, size: number): ArrayView {
  const view = allocateArray(dtype, size, size, 1);
  const data = elementsOf(view);
  let seed = 12345;
  const max = DTYPE_INFO[dtype].max + 1;
  for (let i = 0; i < data.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = dtype === 'f32' ? (seed >>> 8) / 65536 : (seed >>> 16) % max;
  }
  return view;
}

/** The input's bytes as the peers read them (a raw file, C order). */
export function rawBytes(view: ArrayView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.height * view.width * view.channels * DTYPE_INFO[view.dtype].bytesPerElement);
}
