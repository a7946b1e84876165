import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { DType } from '../../src/array/dtype.js';
import { indexTable } from './cpu.js';
import { weightsOf, type ConvolveParams, type Weights } from './params.js';

/**
 * How far a backend that sums in f32 (WebGPU, gpu.js) may stray from the f64 CPU reference, per
 * output element. With n non-zero weights and S = sum of |w_i x_i| over the finite terms:
 *   E = n x 2^-23 x S + 2^-125 x (n + sum |w_i|)
 * The first term is the classic bound for n rounded products summed one after another in f32
 * (n x 2^-24 x S) plus the reference's own rounding to f32, with room to spare; the second covers
 * GPUs that flush subnormal inputs, products and sums to zero. Then:
 *   f32 output: |actual - reference| <= E; NaN and infinities must match exactly;
 *   u8/u16:     |actual - reference| <= 1 + floor(E) (values within E of each other may round
 *               to neighbouring integers; clamping only brings them closer);
 *   S >= 2^127: an f32 sum may overflow to +-Inf (or give NaN from +Inf and -Inf) where the f64
 *               reference stays finite, and the reference itself may round past FLT_MAX: where
 *               either f32 result is not finite it is not compared; u8/u16 results (which have
 *               clamped such values already) are not compared at all.
 */
export const TOLERANCE =
  'CPU: the f64 reference. WebGPU and gpu.js sum in f32: with n non-zero weights and S = sum |w x| over finite terms, ' +
  'f32 outputs within n x 2^-23 x S + 2^-125 x (n + sum |w|) with NaN/Inf identical, u8/u16 outputs within 1 + floor(that); ' +
  'where S >= 2^127 (f32 overflow) non-finite f32 results and u8/u16 results are not compared';

export const OVERFLOW_MAGNITUDE = 2 ** 127;

/** n and sum |w| of the bound. */
export interface BoundTerms {
  readonly taps: number;
  readonly absSum: number;
}

export function boundTerms(weights: Weights): BoundTerms {
  let taps = 0;
  let absSum = 0;
  for (const w of weights.values) {
    if (w !== 0) taps++;
    absSum += Math.abs(w);
  }
  return { taps, absSum };
}

/** E at an element of magnitude S, in output units (see above). */
export function allowedDifference(dtype: DType, terms: BoundTerms, magnitude: number): number {
  const bound = terms.taps * 2 ** -23 * magnitude + 2 ** -125 * (terms.taps + terms.absSum);
  return dtype === 'f32' ? bound : 1 + Math.floor(bound);
}

/**
 * How far `actual` is from `reference` at an element, as a multiple of the allowed difference:
 * 0 when identical or not compared, at most 1 when within tolerance, Infinity for a NaN or
 * infinity that does not match.
 */
export function elementError(dtype: DType, terms: BoundTerms, magnitude: number, reference: number, actual: number): number {
  if (Object.is(reference, actual) || reference === actual) return 0;
  if (!(magnitude < OVERFLOW_MAGNITUDE) && (dtype !== 'f32' || !Number.isFinite(reference) || !Number.isFinite(actual))) return 0;
  const difference = Math.abs(actual - reference);
  // NaN - x and Inf - Inf are NaN, Inf - x is Inf: mismatches no bound allows.
  if (!Number.isFinite(difference)) return Infinity;
  return difference / allowedDifference(dtype, terms, magnitude);
}

/**
 * S for every element of the array (height x width x channels, like the output): the sum of
 * |w x| over the terms the reference adds, leaving out NaN and infinite inputs.
 */
export function stencilMagnitudes(view: ArrayView, params: ConvolveParams): Float64Array {
  const { rows, cols, values } = weightsOf(params);
  const input = elementsOf(view);
  const { height, width, channels } = view;
  const constant = Math.abs(Math.fround(params.value));
  const rowIndex = indexTable(0, height, rows, height, params.boundary);
  const colIndex = indexTable(0, width, cols, width, params.boundary);
  const taps: { i: number; j: number; w: number }[] = [];
  values.forEach((w, k) => {
    if (w !== 0) taps.push({ i: Math.floor(k / cols), j: k % cols, w: Math.abs(w) });
  });
  const result = new Float64Array(height * width * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (const { i, j, w } of taps) {
          const yy = rowIndex[y * rows + i]!;
          const xx = colIndex[x * cols + j]!;
          const v = yy < 0 || xx < 0 ? constant : Math.abs(input[(yy * width + xx) * channels + c]!);
          if (v !== Infinity && v === v) sum += w * v;
        }
        result[(y * width + x) * channels + c] = sum;
      }
    }
  }
  return result;
}
