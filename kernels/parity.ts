import { elementsOf, type ArrayView } from '../src/array/array-view.js';
import type { Tile } from '../src/tiling/tile.js';

/**
 * How the parity suite (test/parity) checks a kernel: which parameter sets to try on an input,
 * and how far a backend's result may stray from the CPU reference. Each kernel folder exports
 * one as `parity` from its `parity.ts`; the tolerance it states is the one documented for users.
 */
export interface ParityVerdict {
  /** The worst difference found, in the units the kernel states (0 when identical). */
  readonly error: number;
  /** The largest difference allowed (0 for results that must be bit-identical). */
  readonly allowed: number;
  /** Where the worst difference is, for the failure message. */
  readonly where?: string;
}

/** What one run produced: a reduction's per-tile partials and whole, or a map's output. */
export interface ParityResult<Partial> {
  /** The tiles the partials belong to, in order. */
  readonly tiles?: readonly Tile[];
  readonly partials?: readonly Partial[];
  readonly whole?: Partial;
  readonly output?: ArrayView;
}

export interface KernelParity<Params, Partial = unknown> {
  /** Parameter sets worth checking on this input (each runs on every backend). */
  paramSets(view: ArrayView): Params[];
  compare(reference: ParityResult<Partial>, actual: ParityResult<Partial>, view: ArrayView, params: Params): ParityVerdict;
}

/** Worst elementwise difference between two output arrays; NaN must meet NaN. */
export function compareArrays(reference: ArrayView, actual: ArrayView, allowed: (expected: number, index: number) => number): ParityVerdict {
  if (reference.dtype !== actual.dtype || reference.height !== actual.height || reference.width !== actual.width || reference.channels !== actual.channels) {
    return {
      error: Number.POSITIVE_INFINITY,
      allowed: 0,
      where: `shape ${actual.height}x${actual.width}x${actual.channels} ${actual.dtype} vs ${reference.height}x${reference.width}x${reference.channels} ${reference.dtype}`,
    };
  }
  const expected = elementsOf(reference);
  const got = elementsOf(actual);
  let worst: ParityVerdict = { error: 0, allowed: 0 };
  let worstRatio = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = got[i]!;
    if (Object.is(e, a) || e === a) continue;
    const limit = allowed(e, i);
    const diff = Number.isNaN(e) || Number.isNaN(a) || !Number.isFinite(e) || !Number.isFinite(a) ? Number.POSITIVE_INFINITY : Math.abs(a - e);
    const ratio = limit > 0 ? diff / limit : Number.POSITIVE_INFINITY;
    if (ratio > worstRatio || worst.error === 0) {
      worstRatio = ratio;
      const pixel = Math.floor(i / reference.channels);
      worst = {
        error: diff,
        allowed: limit,
        where: `element (${Math.floor(pixel / reference.width)}, ${pixel % reference.width}, ${i % reference.channels}): ${a} vs ${e}`,
      };
    }
  }
  return worst;
}
