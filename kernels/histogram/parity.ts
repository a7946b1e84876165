import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import { DTYPE_INFO } from '../../src/array/dtype.js';
import type { KernelParity, ParityResult, ParityVerdict } from '../parity.js';
import { defaultHistogramParams, type HistogramParams } from './params.js';
import type { HistogramPartial } from './partial.js';

/** The middle half of the data's finite values, so some values fall below and some above it. */
function innerRange(view: ArrayView): { lo: number; hi: number } | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const value of elementsOf(view)) {
    if (!Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (min > max) return null;
  const quarter = (max - min) / 4;
  if (DTYPE_INFO[view.dtype].isInteger) return { lo: Math.ceil(min + quarter), hi: Math.floor(max - quarter) };
  return { lo: min + quarter, hi: max - quarter };
}

/** Largest difference between two partials' counts, and where it is. */
function worstDifference(reference: HistogramPartial, actual: HistogramPartial, label: string): { error: number; where: string } {
  let worst = { error: 0, where: '' };
  reference.channels.forEach((expected, c) => {
    const got = actual.channels[c];
    if (!got || got.counts.length !== expected.counts.length) {
      worst = { error: Number.POSITIVE_INFINITY, where: `${label} channel ${c}: missing or of another bin count` };
      return;
    }
    const check = (a: number, b: number, what: string) => {
      const error = Math.abs(a - b);
      if (error > worst.error || Number.isNaN(error)) worst = { error: Number.isNaN(error) ? Number.POSITIVE_INFINITY : error, where: `${label} channel ${c} ${what}: ${a} vs ${b}` };
    };
    expected.counts.forEach((count, bin) => check(got.counts[bin]!, count, `bin ${bin}`));
    check(got.below, expected.below, 'below');
    check(got.above, expected.above, 'above');
    check(got.nan, expected.nan, 'nan');
  });
  return worst;
}

export const parity: KernelParity<HistogramParams, HistogramPartial> = {
  paramSets(view) {
    const sets: HistogramParams[] = [defaultHistogramParams(view.dtype)];
    // More bins than fit in WebGPU workgroup memory (global atomics there). gpu.js counts bins x
    // elements, so the suite keeps this to small inputs; test/kernels/histogram.test.ts runs it big.
    if (view.height * view.width * view.channels <= 4096) sets.push({ bins: 5000, range: null });
    const inner = innerRange(view);
    if (inner !== null && inner.lo <= inner.hi) sets.push({ bins: 7, range: inner });
    return sets;
  },

  // Counts are integers on every backend: anything but identical is a bug.
  compare(reference: ParityResult<HistogramPartial>, actual: ParityResult<HistogramPartial>): ParityVerdict {
    let worst = { error: 0, where: '' };
    const consider = (candidate: { error: number; where: string }) => {
      if (candidate.error > worst.error) worst = candidate;
    };
    const expectedTiles = reference.partials ?? [];
    const actualTiles = actual.partials ?? [];
    if (expectedTiles.length !== actualTiles.length) {
      consider({ error: Number.POSITIVE_INFINITY, where: `${actualTiles.length} tile partials, expected ${expectedTiles.length}` });
    }
    expectedTiles.forEach((expected, index) => {
      const got = actualTiles[index];
      if (got) consider(worstDifference(expected, got, `tile ${index}`));
    });
    if (reference.whole && actual.whole) consider(worstDifference(reference.whole, actual.whole, 'whole'));
    else if (reference.whole) consider({ error: Number.POSITIVE_INFINITY, where: 'whole result missing' });
    return { error: worst.error, allowed: 0, ...(worst.error > 0 ? { where: worst.where } : {}) };
  },
};
