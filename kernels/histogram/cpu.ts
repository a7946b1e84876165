import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { Tile } from '../../src/tiling/tile.js';
import { integerBin, type Binning } from '../tile-stats/params.js';
import { histogramBinning, type HistogramParams } from './params.js';
import { emptyHistogramPartial, type ChannelHistogram, type HistogramPartial } from './partial.js';

/**
 * The CPU implementation of histogram and the reference the other backends are checked against.
 * Integer data goes through a table from value to slot (slot 0 below the range, 1..bins the bins,
 * bins+1 above), so the hot loop has no branches; u8 first counts the 256 values and bins those.
 * f32 applies tile-stats' float binning inline. A tile has fewer than 2^32 elements, so per-tile
 * counts are accumulated in Uint32Arrays and handed out as doubles.
 */
export function histogramCpu(view: ArrayView, tiles: readonly Tile[], params: HistogramParams): HistogramPartial[] {
  const binning = histogramBinning(view.dtype, params);
  return tiles.map((tile) => {
    switch (view.dtype) {
      case 'u8':
        return u8Histogram(view, tile, binning);
      case 'u16':
        return u16Histogram(view, tile, binning);
      case 'f32':
        return f32Histogram(view, tile, binning);
    }
  });
}

/** Fills a channel from slot counts (slot 0 below, 1..bins, bins+1 above). */
export function fromSlots(channel: ChannelHistogram, slots: Uint32Array): void {
  const bins = channel.counts.length;
  channel.below = slots[0]!;
  for (let bin = 0; bin < bins; bin++) channel.counts[bin] = slots[bin + 1]!;
  channel.above = slots[bins + 1]!;
}

function u8Histogram(view: ArrayView, tile: Tile, binning: Binning): HistogramPartial {
  const data = elementsOf(view) as Uint8Array;
  const { width, channels } = view;
  const lanes = 4;
  // values[(lane * channels + c) * 256 + value]: with one channel, consecutive bytes go to
  // different lanes, so runs of equal bytes do not wait on the previous increment.
  const values = new Uint32Array(lanes * channels * 256);
  for (let y = tile.y; y < tile.y + tile.height; y++) {
    const start = (y * width + tile.x) * channels;
    const end = start + tile.width * channels;
    if (channels === 1) {
      let i = start;
      for (; i + 4 <= end; i += 4) {
        values[data[i]!]!++;
        values[256 + data[i + 1]!]!++;
        values[512 + data[i + 2]!]!++;
        values[768 + data[i + 3]!]!++;
      }
      for (; i < end; i++) values[data[i]!]!++;
    } else {
      for (let i = start; i < end; i += channels) {
        for (let c = 0; c < channels; c++) values[c * 256 + data[i + c]!]!++;
      }
    }
  }
  const perChannel = new Uint32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    for (let value = 0; value < 256; value++) {
      let count = 0;
      for (let lane = 0; lane < lanes; lane++) count += values[(lane * channels + c) * 256 + value]!;
      perChannel[c * 256 + value] = count;
    }
  }
  return u8HistogramFromCounts(perChannel, channels, binning);
}

/** A u8 tile's histogram from its value counts, counts[c * 256 + value] (the WASM path shares it). */
export function u8HistogramFromCounts(counts: ArrayLike<number>, channels: number, binning: Binning): HistogramPartial {
  const partial = emptyHistogramPartial(channels, binning.bins);
  for (let c = 0; c < channels; c++) {
    const slots = new Uint32Array(binning.bins + 2);
    for (let value = 0; value < 256; value++) {
      const count = counts[c * 256 + value]!;
      if (count > 0) slots[integerBin(binning, value) + 1]! += count;
    }
    fromSlots(partial.channels[c]!, slots);
  }
  return partial;
}

const u16SlotTables = new Map<string, Uint32Array>();

/** Slot of every u16 value, built once per binning (a few are kept). */
export function u16SlotTable(binning: Binning): Uint32Array {
  const key = `${binning.bins}:${binning.lo}:${binning.hi}`;
  let table = u16SlotTables.get(key);
  if (!table) {
    table = new Uint32Array(65536);
    for (let value = 0; value < 65536; value++) table[value] = integerBin(binning, value) + 1;
    if (u16SlotTables.size > 8) u16SlotTables.clear();
    u16SlotTables.set(key, table);
  }
  return table;
}

function u16Histogram(view: ArrayView, tile: Tile, binning: Binning): HistogramPartial {
  const data = elementsOf(view) as Uint16Array;
  const { width, channels } = view;
  const table = u16SlotTable(binning);
  const partial = emptyHistogramPartial(channels, binning.bins);
  for (let c = 0; c < channels; c++) {
    const slots = new Uint32Array(binning.bins + 2);
    for (let y = tile.y; y < tile.y + tile.height; y++) {
      const start = (y * width + tile.x) * channels + c;
      const end = start + tile.width * channels;
      for (let i = start; i < end; i += channels) slots[table[data[i]!]!]!++;
    }
    fromSlots(partial.channels[c]!, slots);
  }
  return partial;
}

function f32Histogram(view: ArrayView, tile: Tile, binning: Binning): HistogramPartial {
  const data = elementsOf(view) as Float32Array;
  const { width, channels } = view;
  const { lo, hi, scale } = binning;
  const loHalf = Math.fround(lo * 0.5);
  const lastBin = binning.bins - 1;
  const partial = emptyHistogramPartial(channels, binning.bins);
  for (let c = 0; c < channels; c++) {
    const counts = new Uint32Array(binning.bins);
    let below = 0;
    let above = 0;
    let nan = 0;
    for (let y = tile.y; y < tile.y + tile.height; y++) {
      const start = (y * width + tile.x) * channels + c;
      const end = start + tile.width * channels;
      for (let i = start; i < end; i += channels) {
        const x = data[i]!;
        // tile-stats' float binning (Binning in kernels/tile-stats/params.ts), in f32 step by step.
        if (x !== x) nan++;
        else if (x < lo) below++;
        else if (x > hi) above++;
        else if (x >= hi) counts[lastBin]!++;
        else {
          const t = Math.fround(Math.fround(Math.fround(x * 0.5) - loHalf) * scale);
          counts[t > lastBin ? lastBin : t > 0 ? Math.floor(t) : 0]!++;
        }
      }
    }
    const channel = partial.channels[c]!;
    channel.counts.set(counts);
    channel.below = below;
    channel.above = above;
    channel.nan = nan;
  }
  return partial;
}
