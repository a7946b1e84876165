/** One channel of a histogram partial: a tile's counts, or the merged counts of many tiles. */
export interface ChannelHistogram {
  /** Count per bin; doubles, so merged whole-array counts stay exact past 2^32 (up to 2^53). */
  counts: Float64Array;
  /** Values below the range (-Inf included). */
  below: number;
  /** Values above the range (+Inf included). */
  above: number;
  /** NaN values (f32 only; always 0 for integer data). */
  nan: number;
}

export interface HistogramPartial {
  channels: ChannelHistogram[];
}

export function emptyHistogramPartial(channels: number, bins: number): HistogramPartial {
  return { channels: Array.from({ length: channels }, () => ({ counts: new Float64Array(bins), below: 0, above: 0, nan: 0 })) };
}

/** Every partial's counts summed at once (the stitch's mergeAll): exact, so the same as the tree's. */
export function mergeAllHistograms(partials: readonly HistogramPartial[]): HistogramPartial {
  return {
    channels: partials[0]!.channels.map((first, c) => {
      const counts = new Float64Array(first.counts.length);
      let below = 0;
      let above = 0;
      let nan = 0;
      for (const partial of partials) {
        const channel = partial.channels[c]!;
        const add = channel.counts;
        for (let bin = 0; bin < counts.length; bin++) counts[bin] = counts[bin]! + add[bin]!;
        below += channel.below;
        above += channel.above;
        nan += channel.nan;
      }
      return { counts, below, above, nan };
    }),
  };
}

/** Elementwise sum: associative and exact (integers below 2^53), so the tree order never matters. */
export function mergeHistograms(a: HistogramPartial, b: HistogramPartial): HistogramPartial {
  return {
    channels: a.channels.map((left, c) => {
      const right = b.channels[c]!;
      const counts = new Float64Array(left.counts.length);
      for (let bin = 0; bin < counts.length; bin++) counts[bin] = left.counts[bin]! + right.counts[bin]!;
      return { counts, below: left.below + right.below, above: left.above + right.above, nan: left.nan + right.nan };
    }),
  };
}
