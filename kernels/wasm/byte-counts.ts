import type { ArrayView } from '../../src/array/array-view.js';
import { forEachStagedChunk, type TileBand } from './bands.js';
import type { WasmKernels } from './module.js';

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

/**
 * Counts every member of a u8 band into `lanes` x 256 counters each (count_u8), and returns where
 * each member's counters are. Read in place (kernels/wasm/in-place.ts), the members of one width
 * with eight lanes go row by row across the band (count_u8_tiles): each array row is then one
 * sequential read, not a short run per member a page apart, which the prefetcher does not follow.
 */
export function countU8Band(kernels: WasmKernels, view: ArrayView, band: TileBand, lanes: number): number[] {
  const { arena, exports } = kernels;
  const channels = view.channels;
  const block = lanes * 256 * 4;
  const first = arena.alloc(band.members.length * block);
  const countsAt = band.members.map((_, i) => first + i * block);
  // Members of the first member's width, from the start: all but a narrower last one, as a band's tiles are.
  const width = band.members[0]!.tile.width;
  let even = 0;
  while (even < band.members.length && band.members[even]!.tile.width === width) even++;
  const acrossRows = kernels.inPlace !== undefined && kernels.inPlace === view.memory && lanes === 8 && even > 1;
  forEachStagedChunk(kernels, view, band, (stage, rows, stride) => {
    let from = 0;
    if (acrossRows) {
      exports.count_u8_tiles(stage, rows, width * channels, stride, even, countsAt[0]!);
      from = even;
    }
    for (let i = from; i < band.members.length; i++) {
      const { tile } = band.members[i]!;
      exports.count_u8(stage + (tile.x - band.x0) * channels, rows, tile.width * channels, stride, lanes, countsAt[i]!);
    }
  });
  return countsAt;
}
