/**
 * Integer histograms of the gpu.js backend, counted on the host. gpu.js has no scatter or
 * atomics: a kernel could only give each element its bin (an exact table lookup, nothing to
 * compute) for the host to count, or count one bin per thread, reading every element once per
 * bin. Counting the elements through the same table directly is one pass either way, so it is
 * done here, with no f32 involved; the f32 histogram does need arithmetic per element and gets
 * its bins from a kernel (gpujs-kernels.ts).
 */
import { elementsOf, type ArrayView } from '../../src/array/array-view.js';
import type { Tile } from '../../src/tiling/tile.js';
import { CODE_OFFSET, type ChannelTotals } from './gpujs-totals.js';
import { integerBin, type Binning } from './params.js';

const tables = new Map<string, Int32Array>();

/** Where each value of the dtype is counted in ChannelTotals.codes: its integerBin code. */
function codeTable(binning: Binning, values: number): Int32Array {
  const key = `${values}:${binning.bins}:${binning.lo}:${binning.hi}`;
  let table = tables.get(key);
  if (!table) {
    table = new Int32Array(values);
    for (let v = 0; v < values; v++) table[v] = integerBin(binning, v) + CODE_OFFSET;
    if (tables.size > 8) tables.clear();
    tables.set(key, table);
  }
  return table;
}

/** Counts a u8/u16 tile's values into its channels' histogram codes. */
export function countIntegerBins(view: ArrayView, tile: Tile, binning: Binning, totals: readonly ChannelTotals[]): void {
  const data = elementsOf(view);
  for (let c = 0; c < view.channels; c++) {
    const counts = totals[c]!.codes;
    if (data instanceof Uint8Array) {
      // 256 values: count each value, then move the counts to their bins.
      const table = codeTable(binning, 256);
      const values = countValues(data, view, tile, c);
      for (let v = 0; v < 256; v++) counts[table[v]!]! += values[v]!;
    } else {
      countThroughTable(data as Uint16Array, view, tile, c, codeTable(binning, 65536), counts);
    }
  }
}

function countValues(data: Uint8Array, view: ArrayView, tile: Tile, c: number): Uint32Array {
  const values = new Uint32Array(256);
  const { width, channels } = view;
  for (let y = tile.y; y < tile.y + tile.height; y++) {
    const start = (y * width + tile.x) * channels + c;
    const end = start + tile.width * channels;
    for (let i = start; i < end; i += channels) values[data[i]!]!++;
  }
  return values;
}

function countThroughTable(data: Uint16Array, view: ArrayView, tile: Tile, c: number, table: Int32Array, counts: Uint32Array): void {
  const { width, channels } = view;
  for (let y = tile.y; y < tile.y + tile.height; y++) {
    const start = (y * width + tile.x) * channels + c;
    const end = start + tile.width * channels;
    for (let i = start; i < end; i += channels) counts[table[data[i]!]!]!++;
  }
}
