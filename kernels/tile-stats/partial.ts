/**
 * The partial result of tile-stats for one tile, and how partials merge.
 *
 * Integer data carries exact sums (bigint); float data carries the count, mean and sum of
 * squared deviations (M2) of its finite values, merged with Chan et al.'s pairwise formula,
 * which stays accurate where sum-of-squares minus squared-sum would cancel.
 */
export interface ChannelStats {
  /** Elements looked at, NaN included. */
  elements: number;
  nanCount: number;
  posInfCount: number;
  negInfCount: number;
  /** Over finite values; NaN when there are none. Never -0. */
  finiteMin: number;
  finiteMax: number;
  /** Integer dtypes: exact sums; null for floats. */
  exactSum: bigint | null;
  exactSumSq: bigint | null;
  /** Finite values: how many, their mean and sum of squared deviations from it. */
  finiteCount: number;
  mean: number;
  m2: number;
  /** Counts per bin; doubles, so whole-array counts stay exact past 2^32 (to 2^53). */
  histogram: Float64Array;
  /** Values below / above the histogram range (infinities included). */
  below: number;
  above: number;
}

export interface TileStatsPartial {
  channels: ChannelStats[];
}

export function emptyChannelStats(bins: number, isInteger: boolean): ChannelStats {
  return {
    elements: 0,
    nanCount: 0,
    posInfCount: 0,
    negInfCount: 0,
    finiteMin: Number.NaN,
    finiteMax: Number.NaN,
    exactSum: isInteger ? 0n : null,
    exactSumSq: isInteger ? 0n : null,
    finiteCount: 0,
    mean: 0,
    m2: 0,
    histogram: new Float64Array(bins),
    below: 0,
    above: 0,
  };
}

/** Mean and M2 from exact integer sums, rounded once. */
export function momentsFromExactSums(count: number, sum: bigint, sumSq: bigint): { mean: number; m2: number } {
  if (count === 0) return { mean: 0, m2: 0 };
  const n = BigInt(count);
  // M2 = sumSq - sum^2 / n = (n*sumSq - sum^2) / n, exact in bigint up to the final division.
  const scaledM2 = n * sumSq - sum * sum;
  return { mean: ratio(sum, n), m2: ratio(scaledM2, n) };
}

/** a / b as the nearest double, for bigints beyond 2^53. */
function ratio(a: bigint, b: bigint): number {
  const quotient = a / b;
  const remainder = a - quotient * b;
  return Number(quotient) + Number(remainder) / Number(b);
}

function minIgnoringNaN(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return a < b ? a : b;
}

function maxIgnoringNaN(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return a > b ? a : b;
}

export function mergeChannelStats(a: ChannelStats, b: ChannelStats): ChannelStats {
  const histogram = new Float64Array(a.histogram.length);
  for (let bin = 0; bin < histogram.length; bin++) histogram[bin] = a.histogram[bin]! + b.histogram[bin]!;
  const finiteCount = a.finiteCount + b.finiteCount;
  let mean: number;
  let m2: number;
  let exactSum: bigint | null = null;
  let exactSumSq: bigint | null = null;
  if (a.exactSum !== null && b.exactSum !== null && a.exactSumSq !== null && b.exactSumSq !== null) {
    exactSum = a.exactSum + b.exactSum;
    exactSumSq = a.exactSumSq + b.exactSumSq;
    ({ mean, m2 } = momentsFromExactSums(finiteCount, exactSum, exactSumSq));
  } else if (a.finiteCount === 0) {
    ({ mean, m2 } = b);
  } else if (b.finiteCount === 0) {
    ({ mean, m2 } = a);
  } else {
    const delta = b.mean - a.mean;
    mean = a.mean + (delta * b.finiteCount) / finiteCount;
    m2 = a.m2 + b.m2 + ((delta * delta * a.finiteCount) / finiteCount) * b.finiteCount;
  }
  return {
    elements: a.elements + b.elements,
    nanCount: a.nanCount + b.nanCount,
    posInfCount: a.posInfCount + b.posInfCount,
    negInfCount: a.negInfCount + b.negInfCount,
    finiteMin: minIgnoringNaN(a.finiteMin, b.finiteMin),
    finiteMax: maxIgnoringNaN(a.finiteMax, b.finiteMax),
    exactSum,
    exactSumSq,
    finiteCount,
    mean,
    m2,
    histogram,
    below: a.below + b.below,
    above: a.above + b.above,
  };
}

export function mergeTileStats(a: TileStatsPartial, b: TileStatsPartial): TileStatsPartial {
  return { channels: a.channels.map((channel, c) => mergeChannelStats(channel, b.channels[c]!)) };
}

/**
 * Integer data's partials merged at once (the stitch's mergeAll): every field is an exact sum, a
 * count or a min/max, and the moments come from the exact sums, so this is exactly what the tree of
 * mergeTileStats gives, without its intermediate partials and their bigint moments. Float data's
 * moments depend on the merge order: undefined, and the tree runs.
 */
export function mergeAllTileStats(partials: readonly TileStatsPartial[]): TileStatsPartial | undefined {
  if (!partials.every((partial) => partial.channels.every((channel) => channel.exactSum !== null && channel.exactSumSq !== null))) return undefined;
  return {
    channels: partials[0]!.channels.map((first, c) => {
      const histogram = new Float64Array(first.histogram.length);
      let elements = 0;
      let finiteCount = 0;
      let below = 0;
      let above = 0;
      let finiteMin = Number.NaN;
      let finiteMax = Number.NaN;
      let exactSum = 0n;
      let exactSumSq = 0n;
      for (const partial of partials) {
        const channel = partial.channels[c]!;
        const counts = channel.histogram;
        for (let bin = 0; bin < histogram.length; bin++) histogram[bin] = histogram[bin]! + counts[bin]!;
        elements += channel.elements;
        finiteCount += channel.finiteCount;
        below += channel.below;
        above += channel.above;
        finiteMin = minIgnoringNaN(finiteMin, channel.finiteMin);
        finiteMax = maxIgnoringNaN(finiteMax, channel.finiteMax);
        exactSum += channel.exactSum!;
        exactSumSq += channel.exactSumSq!;
      }
      // Integer data has no NaN or infinity; the counts are summed all the same, as the tree does.
      const nonFinite = (key: 'nanCount' | 'posInfCount' | 'negInfCount'): number => partials.reduce((sum, partial) => sum + partial.channels[c]![key], 0);
      return {
        elements,
        nanCount: nonFinite('nanCount'),
        posInfCount: nonFinite('posInfCount'),
        negInfCount: nonFinite('negInfCount'),
        finiteMin,
        finiteMax,
        exactSum,
        exactSumSq,
        finiteCount,
        ...momentsFromExactSums(finiteCount, exactSum, exactSumSq),
        histogram,
        below,
        above,
      };
    }),
  };
}

/**
 * The smallest and largest finite value over every channel of a whole-array result, or null
 * when no channel has one (NaN and infinities only).
 */
export function finiteRangeOf(whole: TileStatsPartial): { lo: number; hi: number } | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const channel of whole.channels) {
    if (Number.isNaN(channel.finiteMin)) continue;
    lo = Math.min(lo, channel.finiteMin);
    hi = Math.max(hi, channel.finiteMax);
  }
  return lo <= hi ? { lo, hi } : null;
}
