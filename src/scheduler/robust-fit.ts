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

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
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
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const small = Math.min(bytes[i]!, bytes[j]!);
      const large = Math.max(bytes[i]!, bytes[j]!);
      if (large >= small * DISTINCT_SIZES) slopes.push((seconds[j]! - seconds[i]!) / (bytes[j]! - bytes[i]!));
    }
  }
  // Enough pairs of distinct sizes to outvote an outlier: fit both; else keep the prior intercept.
  if (slopes.length >= 3) {
    const slope = median(slopes);
    const intercept = median(bytes.map((b, i) => seconds[i]! - slope * b));
    if (slope > 0 && intercept >= 0) return { intercept, slope };
  }
  // Noise can make pairs say "bigger batches are faster": then trust only the typical cost per byte.
  const intercept = Math.max(0, Math.min(priorIntercept, Math.min(...seconds) * 0.5));
  const slope = Math.max(0, median(bytes.map((b, i) => (seconds[i]! - intercept) / Math.max(1, b))));
  return { intercept, slope };
}
