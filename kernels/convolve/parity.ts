import { elementsOf } from '../../src/array/array-view.js';
import type { KernelParity, ParityVerdict } from '../parity.js';
import { parseParams } from '../params.js';
import { CONVOLVE_PARAMS, weightsOf, type ConvolveParams } from './params.js';
import { allowedDifference, boundTerms, elementError, stencilMagnitudes } from './tolerance.js';

function params(...pairs: string[]): ConvolveParams {
  return parseParams('convolve', CONVOLVE_PARAMS, pairs) as unknown as ConvolveParams;
}

/** A 15 x 15 matrix of mixed signs and sizes, not symmetric, so a flipped or shifted stencil shows. */
export function largeTestMatrix(): string {
  return Array.from({ length: 15 }, (_, i) => Array.from({ length: 15 }, (_, j) => (((i * 7 + j * 3) % 11) - 5) / 8).join(',')).join(';');
}

/**
 * Parity of a map: elementwise against the CPU reference with tolerance.ts's bound. The verdict's
 * error is the worst |actual - reference| as a multiple of the bound at that element (allowed: 1);
 * a NaN/Inf mismatch counts as Infinity.
 */
export const parity: KernelParity<ConvolveParams> = {
  paramSets: () => [
    params(),
    params('preset=gaussian', 'sigma=1.5', 'boundary=periodic', 'dtype=same'),
    params('preset=sobel-x', 'boundary=constant', 'value=7'),
    params('preset=laplacian', 'boundary=nearest', 'dtype=same'),
    params(`matrix=${largeTestMatrix()}`, 'boundary=reflect'),
    params('matrix=1,2,3,2,1;-1,-2,-3,-2,-1;0.5,0,0,0,0.25', 'normalize=true', 'boundary=constant', 'value=-3.5', 'dtype=same'),
  ],

  compare(reference, actual, view, p): ParityVerdict {
    const expected = elementsOf(reference.output!);
    const got = elementsOf(actual.output!);
    const dtype = reference.output!.dtype;
    const terms = boundTerms(weightsOf(p));
    const magnitudes = stencilMagnitudes(view, p);
    let worst = 0;
    let where: string | undefined;
    for (let k = 0; k < expected.length; k++) {
      const error = elementError(dtype, terms, magnitudes[k]!, expected[k]!, got[k]!);
      if (error > worst) {
        worst = error;
        const c = k % view.channels;
        const px = (k - c) / view.channels;
        where =
          `row ${Math.floor(px / view.width)} column ${px % view.width} channel ${c}: ${got[k]} vs reference ${expected[k]}` +
          ` (allowed ${allowedDifference(dtype, terms, magnitudes[k]!)})`;
      }
    }
    return { error: worst, allowed: 1, ...(where === undefined ? {} : { where }) };
  },
};
