import type { ChannelStats } from './partial.js';

/**
 * What a user reads: statistics over the non-NaN values of one channel (NaN is counted and
 * excluded, like numpy's nan* functions; infinities take part, so a channel holding +Inf has
 * max, sum and mean +Inf and std NaN).
 */
export interface ChannelReport {
  /** Non-NaN values. */
  count: number;
  nanCount: number;
  posInfCount: number;
  negInfCount: number;
  min: number;
  max: number;
  /** Exact (bigint) for integer data. */
  sum: number | bigint;
  sumSq: number | bigint;
  mean: number;
  /** Population standard deviation. */
  std: number;
  histogram: number[];
  below: number;
  above: number;
}

export function reportChannel(stats: ChannelStats): ChannelReport {
  const count = stats.elements - stats.nanCount;
  const hasPosInf = stats.posInfCount > 0;
  const hasNegInf = stats.negInfCount > 0;
  let infinitySum = 0;
  if (hasPosInf && hasNegInf) infinitySum = Number.NaN;
  else if (hasPosInf) infinitySum = Number.POSITIVE_INFINITY;
  else if (hasNegInf) infinitySum = Number.NEGATIVE_INFINITY;

  let sum: number | bigint;
  let sumSq: number | bigint;
  if (stats.exactSum !== null && stats.exactSumSq !== null) {
    sum = stats.exactSum;
    sumSq = stats.exactSumSq;
  } else {
    const finiteSum = stats.mean * stats.finiteCount;
    sum = finiteSum + infinitySum;
    const finiteSumSq = stats.m2 + stats.finiteCount * stats.mean * stats.mean;
    sumSq = finiteSumSq + (hasPosInf || hasNegInf ? Number.POSITIVE_INFINITY : 0);
  }
  let mean: number;
  let std: number;
  if (count === 0) {
    mean = Number.NaN;
    std = Number.NaN;
  } else if (hasPosInf || hasNegInf) {
    mean = infinitySum;
    std = Number.NaN;
  } else {
    mean = stats.mean;
    std = Math.sqrt(Math.max(0, stats.m2) / stats.finiteCount);
  }
  return {
    count,
    nanCount: stats.nanCount,
    posInfCount: stats.posInfCount,
    negInfCount: stats.negInfCount,
    min: extreme(hasNegInf, stats.finiteMin, hasPosInf, Number.NEGATIVE_INFINITY),
    max: extreme(hasPosInf, stats.finiteMax, hasNegInf, Number.POSITIVE_INFINITY),
    sum,
    sumSq,
    mean,
    std,
    histogram: Array.from(stats.histogram),
    below: stats.below,
    above: stats.above,
  };
}

/**
 * min (or max) over non-NaN values from the finite extreme and the infinity counts: the near
 * infinity wins; with no finite value the far infinity is the answer (min of [+Inf] is +Inf).
 */
function extreme(hasNearInfinity: boolean, finiteExtreme: number, hasFarInfinity: boolean, nearInfinity: number): number {
  if (hasNearInfinity) return nearInfinity;
  if (!Number.isNaN(finiteExtreme)) return finiteExtreme;
  return hasFarInfinity ? -nearInfinity : Number.NaN;
}
