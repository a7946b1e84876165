/**
 * The byte-counting kernel (count_u8) counts into `lanes` sub-histograms by position in the row:
 * lane = position % lanes. With lanes a multiple of the channel count, lane % channels is the
 * channel. Eight lanes break store-to-load chains on runs of equal bytes.
 */
export function byteLanes(channels: number): number {
  return channels === 3 ? 3 : 8;
}

/** counts[lane * 256 + value] summed into [channel * 256 + value]. */
export function byteCountsPerChannel(laneCounts: Uint32Array, lanes: number, channels: number): Uint32Array {
  const perChannel = new Uint32Array(channels * 256);
  for (let lane = 0; lane < lanes; lane++) {
    const c = lane % channels;
    for (let value = 0; value < 256; value++) perChannel[c * 256 + value]! += laneCounts[lane * 256 + value]!;
  }
  return perChannel;
}
