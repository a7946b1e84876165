import { UsageError } from '../src/errors.js';

/**
 * How a stencil sees elements outside the array (n = the axis length, i the index asked for):
 *   reflect   half-sample symmetric, the edge repeated: d c b a | a b c d | d c b a
 *   nearest   the edge element repeated:                a a a a | a b c d | d d d d
 *   constant  a given value:                            k k k k | a b c d | k k k k
 *   periodic  the array repeated:                       a b c d | a b c d | a b c d
 * Every backend uses exactly these rules, also when the halo is wider than the array.
 */
export const BOUNDARY_MODES = ['reflect', 'nearest', 'constant', 'periodic'] as const;
export type BoundaryName = (typeof BOUNDARY_MODES)[number];

export interface BoundaryMode {
  readonly mode: BoundaryName;
  /** The value outside the array in constant mode. */
  readonly value: number;
}

/** Numeric codes shaders and gpu.js kernels receive. */
export const BOUNDARY_CODE: Record<BoundaryName, number> = { reflect: 0, nearest: 1, constant: 2, periodic: 3 };

export function parseBoundaryName(text: string): BoundaryName {
  if (!(BOUNDARY_MODES as readonly string[]).includes(text)) {
    throw new UsageError(`unknown boundary mode '${text}': accepted are ${BOUNDARY_MODES.join(', ')}`);
  }
  return text as BoundaryName;
}

/**
 * The in-array index that index i stands for, or -1 where constant mode gives the constant.
 * Valid for any integer i, however far outside 0 .. n-1.
 */
export function boundaryIndex(i: number, n: number, mode: BoundaryName): number {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'periodic':
      return ((i % n) + n) % n;
    case 'reflect': {
      const period = 2 * n;
      const j = ((i % period) + period) % period;
      return j < n ? j : period - 1 - j;
    }
  }
}
