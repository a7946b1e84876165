/**
 * Robust straight-line fits for performance models. Batch timings on a shared machine have
 * outliers (a batch that waited for the OS, a garbage collection), so fits use medians, which one
 * bad sample cannot move far, instead of least squares, which it can.
 */

export interface Line {
  /** Seconds a batch costs whatever its size. */
  intercept: number;
  /** Seconds per byte. */
  slope: number;
}

/**
 * Scratch space for the fits. A model refits after every batch it sees, up to 496 pair slopes
 * twice over: with plain arrays of boxed numbers and a comparator sort that was most of what the
 * main thread allocated during a run (about 1 MB per 16 MiB run, 70% of it) and ~1 ms of its CPU.
 * Selection in a reused Float64Array allocates nothing.
 */
let scratch = new Float64Array(512);

function scratchOf(length: number): Float64Array {
  if (scratch.length < length) scratch = new Float64Array(Math.max(length, scratch.length * 2));
  return scratch;
}

/** The k-th smallest of values[lo..hi] (Hoare's selection; reorders that range). */
function select(values: Float64Array, lo: number, hi: number, k: number): number {
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i++] = values[j]!;
        values[j--] = swap;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

/**
 * Median of the first `length` values (reordered in place), in linear time: sorting even a
 * Float64Array took ~30 us per 496 slopes, most of a fit.
 */
function medianInPlace(values: Float64Array, length: number): number {
  if (length === 0) return Number.NaN;
  const middle = length >> 1;
  const upper = select(values, 0, length - 1, middle);
  if (length % 2 === 1) return upper;
  // The lower middle is the largest value left of the upper one after selection.
  let lower = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < middle; i++) if (values[i]! > lower) lower = values[i]!;
  return (lower + upper) / 2;
}

/** Sizes must differ by this factor before a pair says anything about the per-batch cost. */
const DISTINCT_SIZES = 1.25;

/**
 * Theil-Sen fit of seconds against bytes: the slope is the median of the slopes between pairs of
 * samples of clearly different sizes, the intercept the median residual. Where all samples have
 * about one size the intercept cannot be told from the slope: `priorIntercept` (an earlier fit's, or
 * 0) is kept and only the slope is fitted. Both are kept non-negative.
 */
export function robustLine(bytes: readonly number[], seconds: readonly number[], priorIntercept = 0): Line {
  const n = bytes.length;
  if (n === 0) return { intercept: priorIntercept, slope: 0 };
  const slopes = scratchOf((n * (n - 1)) / 2);
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const small = Math.min(bytes[i]!, bytes[j]!);
      const large = Math.max(bytes[i]!, bytes[j]!);
      if (large >= small * DISTINCT_SIZES) slopes[pairs++] = (seconds[j]! - seconds[i]!) / (bytes[j]! - bytes[i]!);
    }
  }
  // Enough pairs of distinct sizes to outvote an outlier: fit both; else keep the prior intercept.
  if (pairs >= 3) {
    const slope = medianInPlace(slopes, pairs);
    const residuals = scratchOf(n);
    for (let i = 0; i < n; i++) residuals[i] = seconds[i]! - slope * bytes[i]!;
    const intercept = medianInPlace(residuals, n);
    if (slope > 0 && intercept >= 0) return { intercept, slope };
  }
  // Noise can make pairs say "bigger batches are faster": then trust only the typical cost per byte.
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) fastest = Math.min(fastest, seconds[i]!);
  const intercept = Math.max(0, Math.min(priorIntercept, fastest * 0.5));
  const perByte = scratchOf(n);
  for (let i = 0; i < n; i++) perByte[i] = (seconds[i]! - intercept) / Math.max(1, bytes[i]!);
  const slope = Math.max(0, medianInPlace(perByte, n));
  return { intercept, slope };
}
