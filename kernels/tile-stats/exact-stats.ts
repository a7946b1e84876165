import type { Tile } from '../../src/tiling/tile.js';
import { integerBin, type Binning } from './params.js';
import { emptyChannelStats, momentsFromExactSums, type ChannelStats, type TileStatsPartial } from './partial.js';

/**
 * How integer tile statistics are finished from counts or exact sums: shared by the TypeScript
 * reference (cpu.ts) and the WebAssembly path (cpu-wasm.ts), so both build partials one way.
 */

export function addToHistogram(stats: ChannelStats, bin: number, bins: number, count: number): void {
  if (bins === 0) return;
  if (bin < 0) stats.below += count;
  else if (bin >= bins) stats.above += count;
  else stats.histogram[bin]! += count;
}

/** Float counts, extremes and moments (sums of deviations from `shift`) into a channel's partial: one rule for every CPU path. */
export interface FloatTotals {
  nan: number;
  posInf: number;
  negInf: number;
  min: number;
  max: number;
  sum: number;
  sumSq: number;
  shift: number;
}

export function finishFloat(stats: ChannelStats, tile: Tile, totals: FloatTotals): void {
  const { nan, posInf, negInf, min, max, sum, sumSq, shift } = totals;
  const elements = tile.width * tile.height;
  const finiteCount = elements - nan - posInf - negInf;
  stats.elements = elements;
  stats.nanCount = nan;
  stats.posInfCount = posInf;
  stats.negInfCount = negInf;
  stats.finiteCount = finiteCount;
  if (finiteCount > 0) {
    stats.finiteMin = min === 0 ? 0 : min; // never -0: every backend reports +0
    stats.finiteMax = max === 0 ? 0 : max;
    stats.mean = shift + sum / finiteCount;
    stats.m2 = Math.max(0, sumSq - (sum * sum) / finiteCount);
  }
}

export function finishIntegerExact(stats: ChannelStats, tile: Tile, sum: bigint, sumSq: bigint): void {
  const elements = tile.width * tile.height;
  stats.elements = elements;
  stats.finiteCount = elements;
  stats.exactSum = sum;
  stats.exactSumSq = sumSq;
  const { mean, m2 } = momentsFromExactSums(elements, sum, sumSq);
  stats.mean = mean;
  stats.m2 = m2;
}

/**
 * A u8 tile's partial from its value counts, counts[c * 256 + value]: min, max and exact sums
 * follow from the counts, and so does the histogram.
 */
export function u8StatsFromCounts(counts: ArrayLike<number>, channels: number, binning: Binning, tile: Tile): TileStatsPartial {
  const result: ChannelStats[] = [];
  for (let c = 0; c < channels; c++) {
    const stats = emptyChannelStats(binning.bins, true);
    let sum = 0;
    let sumSq = 0;
    for (let value = 0; value < 256; value++) {
      const count = counts[c * 256 + value]!;
      if (count === 0) continue;
      if (Number.isNaN(stats.finiteMin)) stats.finiteMin = value;
      stats.finiteMax = value;
      sum += count * value;
      sumSq += count * value * value;
      addToHistogram(stats, binning.bins === 0 ? 0 : integerBin(binning, value), binning.bins, count);
    }
    finishIntegerExact(stats, tile, BigInt(sum), BigInt(sumSq));
    result.push(stats);
  }
  return { channels: result };
}
