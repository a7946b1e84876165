import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { Tile } from '../../src/tiling/tile.js';
import { finishFloat, finishIntegerExact, u8StatsFromCounts } from './exact-stats.js';
import { type Binning, integerBin, makeBinning, type TileStatsParams } from './params.js';
import { emptyChannelStats, type ChannelStats, type TileStatsPartial } from './partial.js';

/**
 * The CPU implementation of tile-stats and the reference the GPU is checked against.
 * u8: one pass that only counts values (four interleaved sub-histograms break the
 * store-to-load chain on runs of equal bytes); min, max and exact sums follow from the counts.
 * u16: exact sums in doubles, flushed to bigint before they could pass 2^53.
 * f32: sums of (x - first value) in doubles, so the variance does not cancel.
 */
export function tileStatsCpu(view: ArrayView, tiles: readonly Tile[], params: TileStatsParams): TileStatsPartial[] {
  const binning = makeBinning(view.dtype, params);
  return tiles.map((tile) => {
    switch (view.dtype) {
      case 'u8':
        return u8TileStats(view, tile, binning);
      case 'u16':
        return u16TileStats(view, tile, binning);
      case 'f32':
        return f32TileStats(view, tile, binning);
    }
  });
}

function u8TileStats(view: ArrayView, tile: Tile, binning: Binning): TileStatsPartial {
  const data = elementsOf(view) as Uint8Array;
  const { width, channels } = view;
  const byteOffset = view.byteOffset;
  // The shared buffer is a multiple of 4 bytes long (allocateArray), so every word is readable.
  const words = new Uint32Array(view.buffer, 0, view.buffer.byteLength >>> 2);
  const rowLength = tile.width * channels;
  const lanes = 4;
  // counts[(lane * channels + c) * 256 + value]
  const counts = new Uint32Array(lanes * channels * 256);
  for (let y = tile.y; y < tile.y + tile.height; y++) {
    const start = (y * width + tile.x) * channels;
    const end = start + rowLength;
    if (channels === 1) {
      // Bytes up to a word boundary, then whole 32-bit words (four pixels a load), then the rest.
      // Lanes are byte positions in the word, so little- or big-endian only permutes the lanes.
      let i = start;
      for (; i < end && (byteOffset + i) % 4 !== 0; i++) counts[data[i]!]!++;
      const firstWord = (byteOffset + i) / 4;
      const lastWord = Math.floor((byteOffset + end) / 4);
      for (let w = firstWord; w < lastWord; w++) {
        const word = words[w]!;
        counts[word & 0xff]!++;
        counts[256 + ((word >>> 8) & 0xff)]!++;
        counts[512 + ((word >>> 16) & 0xff)]!++;
        counts[768 + (word >>> 24)]!++;
      }
      for (i = Math.max(i, lastWord * 4 - byteOffset); i < end; i++) counts[data[i]!]!++;
    } else {
      for (let i = start; i < end; i += channels) {
        for (let c = 0; c < channels; c++) counts[c * 256 + data[i + c]!]!++;
      }
    }
  }
  const perChannel = new Uint32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    for (let value = 0; value < 256; value++) {
      let count = 0;
      for (let lane = 0; lane < lanes; lane++) count += counts[(lane * channels + c) * 256 + value]!;
      perChannel[c * 256 + value] = count;
    }
  }
  return u8StatsFromCounts(perChannel, channels, binning, tile);
}

const u16BinTables = new Map<string, Int32Array>();

/** Bin of every u16 value (-1 below, bins above), built once per binning. */
function u16BinTable(binning: Binning): Int32Array {
  const key = `${binning.bins}:${binning.lo}:${binning.hi}`;
  let table = u16BinTables.get(key);
  if (!table) {
    table = new Int32Array(65536);
    for (let value = 0; value < 65536; value++) table[value] = integerBin(binning, value);
    if (u16BinTables.size > 8) u16BinTables.clear();
    u16BinTables.set(key, table);
  }
  return table;
}

/** Elements summed in doubles before flushing to bigint: 2^20 * 65535^2 < 2^53. */
const EXACT_SEGMENT = 1 << 20;

function u16TileStats(view: ArrayView, tile: Tile, binning: Binning): TileStatsPartial {
  const data = elementsOf(view) as Uint16Array;
  const { width, channels } = view;
  const table = binning.bins > 0 ? u16BinTable(binning) : null;
  const result: ChannelStats[] = [];
  for (let c = 0; c < channels; c++) {
    const stats = emptyChannelStats(binning.bins, true);
    let min = 65535;
    let max = 0;
    let exactSum = 0n;
    let exactSumSq = 0n;
    let sum = 0;
    let sumSq = 0;
    let sinceFlush = 0;
    const histogram = new Uint32Array(binning.bins); // integer increments in the hot loop; a tile stays below 2^32
    let below = 0;
    let above = 0;
    for (let y = tile.y; y < tile.y + tile.height; y++) {
      const rowStart = (y * width + tile.x) * channels + c;
      for (let segment = 0; segment < tile.width; segment += EXACT_SEGMENT) {
        const segmentEnd = Math.min(tile.width, segment + EXACT_SEGMENT);
        if (sinceFlush + (segmentEnd - segment) > EXACT_SEGMENT) {
          exactSum += BigInt(sum);
          exactSumSq += BigInt(sumSq);
          sum = 0;
          sumSq = 0;
          sinceFlush = 0;
        }
        sinceFlush += segmentEnd - segment;
        const end = rowStart + segmentEnd * channels;
        for (let i = rowStart + segment * channels; i < end; i += channels) {
          const v = data[i]!;
          if (v < min) min = v;
          if (v > max) max = v;
          sum += v;
          sumSq += v * v;
          if (table !== null) {
            const bin = table[v]!;
            if (bin < 0) below++;
            else if (bin >= binning.bins) above++;
            else histogram[bin]!++;
          }
        }
      }
    }
    stats.finiteMin = min;
    stats.finiteMax = max;
    stats.below = below;
    stats.above = above;
    stats.histogram.set(histogram);
    exactSum += BigInt(sum);
    exactSumSq += BigInt(sumSq);
    finishIntegerExact(stats, tile, exactSum, exactSumSq);
    result.push(stats);
  }
  return { channels: result };
}

function f32TileStats(view: ArrayView, tile: Tile, binning: Binning): TileStatsPartial {
  const data = elementsOf(view) as Float32Array;
  const { width, channels } = view;
  const result: ChannelStats[] = [];
  for (let c = 0; c < channels; c++) {
    const stats = emptyChannelStats(binning.bins, false);
    // Sums of deviations from the tile's first finite value keep M2 from cancelling.
    const shift = firstFinite(data, view, tile, c);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let nan = 0;
    let posInf = 0;
    let negInf = 0;
    let sum = 0;
    let sumSq = 0;
    const histogram = new Uint32Array(binning.bins); // integer increments in the hot loop; a tile stays below 2^32
    const hasHistogram = binning.bins > 0;
    const { lo, hi, scale } = binning;
    const loHalf = Math.fround(lo * 0.5);
    const lastBin = binning.bins - 1;
    let below = 0;
    let above = 0;
    for (let y = tile.y; y < tile.y + tile.height; y++) {
      const start = (y * width + tile.x) * channels + c;
      const end = start + tile.width * channels;
      for (let i = start; i < end; i += channels) {
        const x = data[i]!;
        if (x !== x) {
          nan++;
        } else if (x === Number.POSITIVE_INFINITY) {
          posInf++;
        } else if (x === Number.NEGATIVE_INFINITY) {
          negInf++;
        } else {
          if (x < min) min = x;
          if (x > max) max = x;
          const d = x - shift;
          sum += d;
          sumSq += d * d;
          if (hasHistogram) {
            // The float binning of params.ts (Binning), inlined: this is the hot loop.
            if (x < lo) below++;
            else if (x > hi) above++;
            else if (x >= hi) histogram[lastBin]!++;
            else {
              const t = Math.fround(Math.fround(Math.fround(x * 0.5) - loHalf) * scale);
              histogram[t > lastBin ? lastBin : t > 0 ? Math.floor(t) : 0]!++;
            }
          }
        }
      }
    }
    finishFloat(stats, tile, { nan, posInf, negInf, min, max, sum, sumSq, shift });
    if (hasHistogram) {
      stats.histogram.set(histogram);
      stats.below = below + negInf;
      stats.above = above + posInf;
    }
    result.push(stats);
  }
  return { channels: result };
}

/** The first finite value of channel c of a tile in row-major order, or 0 if it has none. */
export function firstFinite(data: Float32Array, view: ArrayView, tile: Tile, c: number): number {
  for (let y = tile.y; y < tile.y + tile.height; y++) {
    const start = (y * view.width + tile.x) * view.channels + c;
    for (let i = start; i < start + tile.width * view.channels; i += view.channels) {
      const x = data[i]!;
      if (Number.isFinite(x)) return x;
    }
  }
  return 0;
}
