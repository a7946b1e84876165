import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { KernelParity, ParityVerdict } from '../parity.js';
import { downsampleDType, type DownsampleParams } from './params.js';
import { downsampleIsBitIdentical, meanAllowedError } from './tolerance.js';

/**
 * Each reduction at factor 2, and mean and max at factor 4 (the run's tile must be a multiple
 * of the factor: 4 divides the usual power-of-two tiles).
 */
function paramSets(view: ArrayView): DownsampleParams[] {
  const sets: DownsampleParams[] = [
    { factor: 2, reduce: 'mean', dtype: 'same' },
    { factor: 2, reduce: 'min', dtype: 'same' },
    { factor: 2, reduce: 'max', dtype: 'same' },
    { factor: 4, reduce: 'max', dtype: 'same' },
  ];
  // A mean to f32 differs from the one above only for integer data.
  sets.push({ factor: 4, reduce: 'mean', dtype: view.dtype === 'f32' ? 'same' : 'f32' });
  return sets;
}

/** Mean of |x| over a block's finite values (0 if none): the scale of a mean's rounding. */
function blockMeanAbs(input: ArrayLike<number>, view: ArrayView, y0: number, x0: number, f: number, c: number): number {
  let sum = 0;
  let count = 0;
  for (let y = y0; y < Math.min(y0 + f, view.height); y++) {
    for (let x = x0; x < Math.min(x0 + f, view.width); x++) {
      const v = input[(y * view.width + x) * view.channels + c]!;
      if (Number.isFinite(v)) {
        sum += Math.abs(v);
        count++;
      }
    }
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * Bit-identical results report the plain difference, allowed 0 (-0 and +0 differ). Means to f32
 * report in units of each element's allowed difference (1 = at the bound). A NaN or infinity
 * that is not matched exactly is an infinite error.
 */
export function compareDownsampleOutputs(reference: ArrayView, actual: ArrayView, view: ArrayView, params: DownsampleParams): ParityVerdict {
  const bitIdentical = downsampleIsBitIdentical(downsampleDType(view, params), params);
  const input = elementsOf(view);
  const expected = elementsOf(reference);
  const got = elementsOf(actual);
  let worst = 0;
  let where: string | undefined;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = got[i]!;
    if (Object.is(a, e)) continue;
    const c = i % reference.channels;
    const px = (i - c) / reference.channels;
    const oy = Math.floor(px / reference.width);
    const ox = px % reference.width;
    let error: number;
    if (!Number.isFinite(e) || !Number.isFinite(a)) error = Number.POSITIVE_INFINITY;
    else if (bitIdentical) error = Math.max(Math.abs(a - e), Number.MIN_VALUE);
    else {
      const meanAbs = blockMeanAbs(input, view, oy * params.factor, ox * params.factor, params.factor, c);
      error = Math.abs(a - e) / meanAllowedError(view.dtype, meanAbs);
    }
    if (error > worst) {
      worst = error;
      where = `output element (${oy}, ${ox}, ${c}): got ${a}, reference ${e}`;
    }
  }
  return { error: worst, allowed: bitIdentical ? 0 : 1, ...(where === undefined ? {} : { where }) };
}

export const parity: KernelParity<DownsampleParams> = {
  paramSets,
  compare(reference, actual, view, params) {
    if (!reference.output || !actual.output) throw new Error('downsample parity compares output arrays');
    return compareDownsampleOutputs(reference.output, actual.output, view, params);
  },
};
